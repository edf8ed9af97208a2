// sephirot.v: the Sephirot VLIW core (docs/hw.md, docs/timing.md section 2).
// N lanes, rows of N 64-bit lane words, 16 x 64-bit registers, pipeline IF/ID/IE/commit.
//  IF  : row from the instruction memory; the first control word of the row (lane
//        priority) is looked at: `ja` redirects the fetch, `exit K` ends the program.
//  ID  : register read for ID consumers (load/atomic bases, branch operands, r0 of a
//        plain exit), memory pre-fetch through the lane load ports, branch resolution.
//        Hazard: wait one cycle when the row in IE writes what ID reads (registers, or
//        memory bytes a load reads, or a map helper's key).
//  IE  : ALUs (register operands from the register file, which the row ahead wrote at
//        the end of its IE: the full bypass), store data, the helper call (held for the
//        helper's latency). Register writes, stores and helper effects take place on the
//        clock edge that ends the row's last IE cycle.
//  CM  : the row retires (its commit cycle is what the cycle count looks at).
// Memory is outside: lane load ports (ID, combinational) and lane store ports (IE).
module sephirot #(
    parameter N = 4,
    parameter IMEM_ROWS = 2048,
    parameter NCONST = 1024,
    parameter HAS_DIV = 0
) (
    input  wire            clk,
    input  wire            rst,
    // program load (register interface)
    input  wire            imem_we,
    input  wire [10:0]     imem_row,
    input  wire [2:0]      imem_lane,
    input  wire [63:0]     imem_wdata,
    input  wire            const_we,
    input  wire [9:0]      const_idx,
    input  wire [63:0]     const_wdata,
    // packet (APS): start pulses at select
    input  wire            start,
    input  wire [10:0]     start_row,
    input  wire [63:0]     ctx_addr,
    input  wire [31:0]     sel_base,      // data offset at select
    input  wire [31:0]     sel_len,       // bytes at select
    input  wire [31:0]     pkt_end,       // current data_end offset, as ID must see it
    // lane load ports (ID stage, combinational)
    output reg  [N-1:0]    ld_en,
    output reg  [N*64-1:0] ld_addr,
    output reg  [N*4-1:0]  ld_size,
    input  wire [N*64-1:0] ld_data,
    input  wire [N-1:0]    ld_ok,
    // lane store ports (valid in the last IE cycle; written when st_commit)
    output reg  [N-1:0]    st_en,
    output reg  [N*64-1:0] st_addr,
    output reg  [N*4-1:0]  st_size,
    output reg  [N*64-1:0] st_data,
    output wire            st_commit,
    // helper module
    output wire            h_call,        // a helper row is in IE
    output wire            h_first,       // ... in its first IE cycle
    output wire [31:0]     h_id,
    output wire [5*64-1:0] h_args,        // r1..r5
    input  wire [15:0]     h_lat,
    input  wire [15:0]     h_frames,      // packet frames its reads need
    input  wire [63:0]     h_ret,
    input  wire            h_fault,
    output wire            h_commit,      // effects take place at this edge
    output wire [63:0]     id_r1,         // map helpers: r1 of the row in ID (forwarded)
    output wire [63:0]     id_r2,
    input  wire [15:0]     id_key_size,   // key size of the map id_r1 names (0: none)
    // status
    output reg             busy,
    output reg             done,          // pulse: the program ended and drained
    output reg  [63:0]     action,
    output reg             fault,
    output reg  [31:0]     cycles,        // select .. end (docs/timing.md 2.5)
    output reg  [31:0]     rows_run
);
`include "isa_defs.vh"
`define RG(i) rf[(i)*64 +: 64]
    localparam [63:0] CLOBBER = 64'hdeadbeefdeadbeef;
    localparam [31:0] R_PKT = 32'd2;
    localparam LW = N > 1 ? $clog2(N) : 1;     // bits of a lane number

    // ---------------- state ----------------
    // instruction memory: one 64-bit word and its predecoded I_* per lane (block im below)
    reg [63:0]     kpool [0:NCONST-1];
    reg [N*64-1:0] ie_k;                       // kpool[const index] per lane, for IE
    wire [16*64-1:0] rf;                       // r0..r15 (block rf below)

    reg            fetch_on, rst_phase, ended;
    reg [10:0]     npc;
    reg            if_v;  reg [10:0] if_pc;  reg [N*64-1:0] if_row;  reg [N*8-1:0] if_id;
    reg            id_v;  reg [10:0] id_pc;  reg [N*64-1:0] id_row;  reg [N*8-1:0] id_id;
    reg            ie_v;  reg [10:0] ie_pc;  reg [N*64-1:0] ie_row;  reg [N*8-1:0] ie_id;
    reg [N*64-1:0] ie_ld;
    reg [N*64-1:0] ie_rd, ie_rs;               // r[dst] (or src2), r[src] of the IE row (read in ID)
    wire [N*27-1:0] if_p;                      // isa_props per lane (IF: from if_id)
    reg  [N*27-1:0] id_p, ie_p;
    reg [15:0]     ie_cnt;
    reg            ie_fault;
    reg            cm_v;
    reg [31:0]     t_rel, e_rel, c_rel, fr;
    reg [31:0]     base_r, len_r;

    always @(posedge clk) begin
        if (const_we) kpool[const_idx] <= const_wdata;
    end

    // ---------------- per-word decode helpers ----------------
    // d: a word's isa_props, looked up once per lane in IF and carried down the pipeline
    function [5:0] form_of(input [26:0] d);
        form_of = d[5:0];
    endfunction
    function is_empty(input [63:0] w);
        is_empty = w == 64'd0;
    endfunction
    function is_ctl(input [63:0] w, input [26:0] d);
        reg [5:0] f;
        begin
            f = form_of(d);
            is_ctl = !is_empty(w) && (f == F_JA || f == F_EXIT || f == F_EXITK || f == F_EXITR ||
                     f == F_JCC_K || f == F_JCC_X || f == F_JPKT);
        end
    endfunction
    function is_cond(input [63:0] w, input [26:0] d);
        reg [5:0] f;
        begin
            f = form_of(d);
            is_cond = !is_empty(w) && (f == F_JCC_K || f == F_JCC_X || f == F_JPKT);
        end
    endfunction
    function [15:0] bit16(input [3:0] r);
        bit16 = 16'd1 << r;
    endfunction
    // registers a word writes (cc__defs)
    function [15:0] defs(input [63:0] w, input [26:0] d);
        reg [5:0] f;
        begin
            f = form_of(d);
            defs = 16'd0;
            if (!is_empty(w))
                case (f)
                F_ALU_K, F_ALU_X, F_NEG, F_END, F_LDX, F_LDX6, F_LDXSPEC, F_ALU3_K,
                F_ALU3_X, F_NEG3, F_LDK: defs = bit16(w[11:8]);
                F_ATOMIC: defs = w[63:32] == 32'hf1 ? 16'd1 :
                                 w[32] ? bit16(w[15:12]) : 16'd0;
                F_CALL: defs = 16'h003f;
                default: ;
                endcase
        end
    endfunction
    // registers ID reads (sim.c id_regs: branch operands, load and atomic bases)
    function [15:0] id_uses(input [63:0] w, input [26:0] d);
        reg [5:0] f;
        begin
            f = form_of(d);
            id_uses = 16'd0;
            if (!is_empty(w))
                case (f)
                F_JCC_K, F_JPKT: id_uses = bit16(w[11:8]);
                F_JCC_X: id_uses = bit16(w[11:8]) | bit16(w[15:12]);
                F_LDX, F_LDX6, F_LDXSPEC: id_uses = bit16(w[15:12]);
                F_ATOMIC: id_uses = bit16(w[11:8]) | bit16(w[15:12]) |
                                    (w[63:32] == 32'hf1 ? 16'd1 : 16'd0);
                default: ;
                endcase
        end
    endfunction
    function is_map_helper(input [31:0] hid);
        is_map_helper = hid == 32'd1 || hid == 32'd2 || hid == 32'd3;
    endfunction
    // packet frames an access up to addr + sz needs (early start): one subtractor gives
    // both "past the data start" and the distance (sel_len < 2^16: no 32-bit wrap)
    function [15:0] frames_upto(input [63:0] addr, input [31:0] sz);
        reg [31:0] e;
        reg [32:0] dd;
        begin
            e = addr[31:0] + sz;
            dd = {1'b0, e} - {1'b0, base_r};
            frames_upto = 16'd0;
            if (addr[63:32] == R_PKT && !dd[32] && dd[31:0] != 32'd0) begin
                e = dd[31:0] > len_r ? len_r : dd[31:0];
                frames_upto = e[20:5] + {15'd0, e[4:0] != 5'd0};
            end
        end
    endfunction
    function overlap(input [63:0] a, input [31:0] as, input [63:0] b, input [31:0] bs);
        overlap = a[63:32] == b[63:32] && a[31:0] < b[31:0] + bs && b[31:0] < a[31:0] + as;
    endfunction
    // one less-than and one equality per lane serve all ten conditions: the operands
    // extended to 65 bits (sign or zero by the condition, 32-bit forms from bit 31)
    function jcc(input [3:0] op, input is64, input [63:0] a, input [63:0] b);
        reg        sg, lt, eq;
        reg [64:0] x, y;
        begin
            sg = op == 4'h6 || op == 4'h7 || op == 4'hc || op == 4'hd;
            x = is64 ? {sg & a[63], a} : {{33{sg & a[31]}}, a[31:0]};
            y = is64 ? {sg & b[63], b} : {{33{sg & b[31]}}, b[31:0]};
            lt = $signed(x) < $signed(y);
            eq = x == y;
            case (op)
            4'h1: jcc = eq;
            4'h2, 4'h6: jcc = !lt && !eq;
            4'h3, 4'h7: jcc = !lt;
            4'ha, 4'hc: jcc = lt;
            4'hb, 4'hd: jcc = lt || eq;
            4'h4: jcc = (x & y) != 65'd0;
            4'h5: jcc = !eq;
            default: jcc = 1'b0;
            endcase
        end
    endfunction

    // ---------------- IF ----------------
    genvar gp;
    generate for (gp = 0; gp < N; gp = gp + 1) begin : ifp
        assign if_p[gp*27 +: 27] = isa_props(if_id[gp*8 +: 8]);
    end endgenerate
    reg        if_ja, if_exitk;
    reg [10:0] if_tgt;
    reg [63:0] if_kval;
    integer l;
    always @* begin : if_decode
        // the first control word by lane priority: its lane picked once, then one mux
        reg found;
        reg [63:0] w;
        reg [26:0] d;
        reg [LW-1:0] fl;
        found = 1'b0; fl = {LW{1'b0}};
        for (l = 0; l < N; l = l + 1) begin
            w = if_row[l*64 +: 64]; d = if_p[l*27 +: 27];
            if (!found && is_ctl(w, d)) begin found = 1'b1; fl = l; end
        end
        w = if_row[fl*64 +: 64]; d = if_p[fl*27 +: 27];
        if_ja = found && form_of(d) == F_JA;
        if_exitk = found && form_of(d) == F_EXITK;
        if_tgt = if_pc + 11'd1 + w[26:16];
        if_kval = {{32{w[63]}}, w[63:32]};
    end

    // ---------------- IE (computed first: ID's hazards look at it) ----------------
    wire [N*64-1:0] alu_res;
    wire [N-1:0]    alu_wr;
    reg  [15:0]     ie_wr;
    reg  [31:0]     ie_hid;
    reg             ie_hcall;
    reg  [N-1:0]    ie_atom;
    reg  [N*64-1:0] atom_res;     // value stored by an atomic
    reg  [N*64-1:0] atom_ret;     // value an atomic returns to a register
    reg  [N*4-1:0]  atom_reg;
    reg  [N-1:0]    atom_rw;

    genvar g;
    generate for (g = 0; g < N; g = g + 1) begin : lane
        wire [63:0] w = ie_row[g*64 +: 64];
        hx_alu #(.HAS_DIV(HAS_DIV)) alu (
            .w(w), .id(ie_id[g*8 +: 8]), .p(ie_p[g*27 +: 27]), .rd_dst(ie_rd[g*64 +: 64]), .rd_src(ie_rs[g*64 +: 64]),
            .rd_src2(ie_rd[g*64 +: 64]), .kval(ie_k[g*64 +: 64]), .ld(ie_ld[g*64 +: 64]),
            .res(alu_res[g*64 +: 64]), .wr(alu_wr[g]));
    end endgenerate

    // IE per lane: store address, data and enable are always computed (the NIC looks at
    // them only under st_en); one atomic unit serves the atomics and lock nz
    always @* begin : ie_comb
        reg [63:0] w, old, s, nv, r0c;
        reg [26:0] p;
        reg [5:0] f;
        reg [7:0] sel, code;
        reg live, w4, st_f;
        ie_wr = 16'd0; ie_hid = 32'd0; ie_hcall = 1'b0;
        for (l = 0; l < N; l = l + 1) begin
            w = ie_row[l*64 +: 64]; p = ie_p[l*27 +: 27];
            f = p[5:0];
            sel = p[25:18];
            w4 = p[16:13] == 4'd4;
            live = ie_v && !is_empty(w);
            if (live) ie_wr = ie_wr | defs(w, p);
            if (live && f == F_CALL) begin ie_hcall = 1'b1; ie_hid = w[63:32]; end
            old = ie_ld[l*64 +: 64];
            s = ie_rs[l*64 +: 64];
            if (w4) s = {32'd0, s[31:0]};
            r0c = w4 ? {32'd0, rf[31:0]} : rf[63:0];
            // lock nz: or, and, xor, otherwise add; atomics: the op without its fetch bit
            code = f == F_ATOMIC ? sel & 8'hfe :
                   sel == 8'h40 || sel == 8'h50 || sel == 8'ha0 ? sel : 8'h00;
            case (code)
            8'h00: nv = old + s;
            8'h40: nv = old | s;
            8'h50: nv = old & s;
            8'ha0: nv = old ^ s;
            8'he0: nv = s;                                       // xchg
            default: nv = old == r0c ? s : old;                  // cmpxchg
            endcase
            st_f = f == F_ST || f == F_ST6;
            st_en[l] = live && (st_f || f == F_STX || f == F_STX6 || f == F_ATOMIC ||
                                (f == F_ATOMIC_NZ && ie_rd[l*64 +: 64] != 64'd0));
            st_addr[l*64 +: 64] = ie_rd[l*64 +: 64] + {{48{w[31]}}, w[31:16]};
            st_size[l*4 +: 4] = p[16:13];
            st_data[l*64 +: 64] = st_f ? {{32{w[63]}}, w[63:32]} :
                                  f == F_ATOMIC || f == F_ATOMIC_NZ ? nv : ie_rs[l*64 +: 64];
            ie_atom[l] = live && f == F_ATOMIC;
            atom_ret[l*64 +: 64] = old;
            atom_rw[l] = live && f == F_ATOMIC && (sel == 8'hf1 || sel[0]);
            atom_reg[l*4 +: 4] = sel == 8'hf1 ? 4'd0 : w[15:12];
        end
        if (ie_hcall) ie_wr = ie_wr | 16'h003f;
    end

    wire [15:0] lat = ie_hcall ? (h_lat == 16'd0 ? 16'd1 : h_lat) : 16'd1;
    wire ie_helper_wait = ie_v && (ie_cnt + 16'd1 < lat);
    wire ie_frame_wait = ie_v && ie_hcall && h_frames != 16'd0 && fr < {16'd0, h_frames};
    wire ie_ok = !ie_v || (!ie_helper_wait && !ie_frame_wait);
    assign h_call = ie_v && ie_hcall;
    assign h_first = h_call && ie_cnt == 16'd0;
    assign h_id = ie_hid;
    assign h_args = {`RG(5), `RG(4), `RG(3), `RG(2), `RG(1)};
    assign h_commit = h_call && ie_ok;
    assign st_commit = ie_v && ie_ok && !rst_phase;

    reg  [N-1:0]    lw_en;
    reg  [N*4-1:0]  lw_idx;
    reg  [N*64-1:0] lw_val;
    always @* begin
        for (l = 0; l < N; l = l + 1) begin
            lw_en[l] = alu_wr[l] || atom_rw[l];
            lw_idx[l*4 +: 4] = alu_wr[l] ? ie_row[l*64 + 8 +: 4] : atom_reg[l*4 +: 4];
            lw_val[l*64 +: 64] = alu_res[l*64 +: 64];   // an atomic's old value comes through the ALU
        end
    end
    // a register as the row in ID sees it: the IE row's results bypassed
    // The register file's read ports: two per lane, in ID: r[dst] (r[imm[3:0]] for a
    // 3-operand ALU word with a register second source: it writes dst, never reads it)
    // and r[src]. IE's operands are these, latched; helper arguments and r0 are fixed wires.
    reg [N*4-1:0]  id_di;
    reg [N*64-1:0] id_rd, id_rs;
    always @* begin
        for (l = 0; l < N; l = l + 1) begin
            id_di[l*4 +: 4] = id_p[l*27 +: 6] == F_ALU3_X ? id_row[l*64 + 32 +: 4] :
                                                         id_row[l*64 + 8 +: 4];
            id_rd[l*64 +: 64] = `RG(id_di[l*4 +: 4]);
            id_rs[l*64 +: 64] = `RG(id_row[l*64 + 12 +: 4]);
        end
    end
    // (the bypasses pick the last writing lane's number first, then mux once)
    // rv: r[rn] from the register file (the caller's read port)
    function [63:0] fwd(input [3:0] rn, input [63:0] rv);
        integer k;
        reg h;
        reg [LW-1:0] ks;
        begin
            h = 1'b0; ks = {LW{1'b0}};
            for (k = 0; k < N; k = k + 1)
                if (alu_wr[k] && ie_row[k*64 + 8 +: 4] == rn) begin h = 1'b1; ks = k; end
            fwd = !ie_v ? rv : ie_hcall && rn == 4'd0 ? h_ret :
                  ie_hcall && rn <= 4'd5 ? CLOBBER : h ? alu_res[ks*64 +: 64] : rv;
        end
    endfunction
    assign id_r1 = fwd(4'd1, `RG(1));

    // IE's r[dst] and r[src] are the ID row's register reads, latched when the row moves
    // to IE, with the row leaving IE on the same edge bypassed (its lane writes, then a
    // helper's r0..r5, as the register file takes them): IE needs no read ports of its own
    function [63:0] nxt(input [3:0] rn, input [63:0] rv);
        integer k;
        reg h;
        reg [LW-1:0] ks;
        begin
            h = 1'b0; ks = {LW{1'b0}};
            for (k = 0; k < N; k = k + 1)
                if (lw_en[k] && lw_idx[k*4 +: 4] == rn) begin h = 1'b1; ks = k; end
            nxt = !ie_v ? rv : ie_hcall && rn == 4'd0 ? h_ret :
                  ie_hcall && rn <= 4'd5 ? CLOBBER : h ? lw_val[ks*64 +: 64] : rv;
        end
    endfunction
    reg [N*64-1:0] nx_d, nx_s;
    always @* begin
        for (l = 0; l < N; l = l + 1) begin
            nx_d[l*64 +: 64] = nxt(id_di[l*4 +: 4], id_rd[l*64 +: 64]);
            nx_s[l*64 +: 64] = nxt(id_row[l*64 + 12 +: 4], id_rs[l*64 +: 64]);
        end
    end
    assign id_r2 = `RG(2);

    // ---------------- ID ----------------
    reg [N*64-1:0] id_fw;              // per lane: r[dst] bypassed from IE (lock nz, exitr)
    always @* begin
        for (l = 0; l < N; l = l + 1)
            id_fw[l*64 +: 64] = fwd(id_row[l*64 + 8 +: 4], id_rd[l*64 +: 64]);
    end
    reg        id_cond, id_first_if;   // holds a conditional; first control resolved in IF
    reg        id_may_redirect;        // first control resolves in ID
    reg        id_jump, id_exit, id_exit_plain;
    reg [10:0] id_tgt;
    reg [63:0] id_exit_val;
    reg [15:0] id_need, id_frames;
    reg        id_memdep, id_keydep, id_hmap;
    reg        id_fault;
    always @* begin : id_comb
        reg [63:0] w, a, b, ad;
        reg [26:0] d;
        reg [5:0] f;
        reg [26:0] p;
        reg found, tk, ldv, jp;
        reg [3:0] jop;
        reg [LW-1:0] xl;
        reg [15:0] fr_l;
        integer j;
        id_cond = 1'b0; id_first_if = 1'b0; id_jump = 1'b0; id_exit = 1'b0;
        id_exit_plain = 1'b0; id_tgt = 11'd0; id_exit_val = 64'd0; id_need = 16'd0;
        id_frames = 16'd0; id_memdep = 1'b0; id_keydep = 1'b0; id_hmap = 1'b0;
        id_fault = 1'b0;
        ld_en = {N{1'b0}}; ld_addr = {N*64{1'b0}}; ld_size = {N*4{1'b0}};
        found = 1'b0; xl = {LW{1'b0}};
        for (l = 0; l < N; l = l + 1) begin
            w = id_row[l*64 +: 64]; d = id_p[l*27 +: 27];
            p = d;
            f = p[5:0];
            if (id_v && !is_empty(w)) begin
                id_need = id_need | id_uses(w, d);
                if (is_cond(w, d)) id_cond = 1'b1;
                // one adder per lane: a load or atomic address (lock nz: not an ID
                // consumer in the model, so its base comes bypassed from IE and a 0
                // base reads nothing; atomics: base dst; loads: base src) or jpkt's
                // r[dst] + imm
                jp = f == F_JPKT;
                a = f == F_ATOMIC_NZ ? id_fw[l*64 +: 64] :
                    f == F_ATOMIC || jp ? id_rd[l*64 +: 64] : id_rs[l*64 +: 64];
                ad = a + (jp ? {{32{w[63]}}, w[63:32]} : {{48{w[31]}}, w[31:16]});
                ldv = (f == F_ATOMIC_NZ && a != 64'd0) ||
                      f == F_LDX || f == F_LDX6 || f == F_LDXSPEC || f == F_ATOMIC;
                if (ldv) begin
                    ld_en[l] = 1'b1;
                    ld_addr[l*64 +: 64] = ad;
                    ld_size[l*4 +: 4] = p[16:13];
                    fr_l = frames_upto(ad, {28'd0, p[16:13]});
                    if (fr_l > id_frames) id_frames = fr_l;
                end
                // lock nz after a helper ahead in IE: r0 is final only when it commits
                if (f == F_ATOMIC_NZ && a != 64'd0 && !ld_ok[l] && ie_ok) id_fault = 1'b1;
                if (f == F_LDX || f == F_LDX6 || f == F_LDXSPEC || f == F_ATOMIC) begin
                    if (f != F_ATOMIC)
                        for (j = 0; j < N; j = j + 1)
                            if (st_en[j] && overlap(ad, {28'd0, p[16:13]},
                                                    st_addr[j*64 +: 64], {28'd0, st_size[j*4 +: 4]}))
                                id_memdep = 1'b1;
                    if (f != F_LDXSPEC && !ld_ok[l]) id_fault = 1'b1;
                end
                if (f == F_CALL && is_map_helper(w[63:32])) begin
                    id_hmap = 1'b1;
                    id_need = id_need | 16'h0004;
                    if (id_key_size != 16'd0)
                        for (j = 0; j < N; j = j + 1)
                            if (st_en[j] && overlap(`RG(2), {16'd0, id_key_size},
                                                    st_addr[j*64 +: 64], {28'd0, st_size[j*4 +: 4]}))
                                id_keydep = 1'b1;
                end
                // the first taken control word by lane priority: its lane is picked
                // here, what it does is read from that lane once after the loop
                // one comparator per lane: jcc, or jpkt (r[dst] + imm against data_end,
                // unsigned 64-bit: gt, ge, lt, le by w[13:12])
                a = jp ? ad : id_rd[l*64 +: 64];
                b = jp ? {R_PKT, pkt_end} : f == F_JCC_X ? id_rs[l*64 +: 64] : {{32{w[63]}}, w[63:32]};
                jop = !jp ? p[9:6] : w[13:12] == 2'd0 ? 4'h2 : w[13:12] == 2'd1 ? 4'h3 :
                      w[13:12] == 2'd2 ? 4'ha : 4'hb;
                tk = 1'b1;
                if (f == F_JCC_K || f == F_JCC_X || jp)
                    tk = jcc(jop, p[11] || jp, a, b);
                if (!found && is_ctl(w, d) && tk) begin found = 1'b1; xl = l; end
            end
        end
        w = id_row[xl*64 +: 64]; f = id_p[xl*27 +: 6];
        if (found) begin
            if (f == F_EXIT) begin
                id_exit = 1'b1; id_exit_plain = 1'b1; id_exit_val = `RG(0);
            end else if (f == F_EXITK) begin
                id_exit = 1'b1; id_exit_val = {{32{w[63]}}, w[63:32]};
            end else if (f == F_EXITR) begin
                // the register as the row started: bypassed from IE (the model does
                // not make exitr an ID consumer)
                id_exit = 1'b1; id_exit_val = id_fw[xl*64 +: 64];
                if (w[63:32] == 32'd1) id_exit_val = {32'd0, id_exit_val[31:0]};
            end else
                id_jump = 1'b1;
        end
        if (id_jump) id_tgt = id_pc + 11'd1 + w[26:16];
        // the first control word (taken or not) decides where the row resolves
        id_may_redirect = 1'b0;
        for (l = N - 1; l >= 0; l = l - 1) begin
            w = id_row[l*64 +: 64]; d = id_p[l*27 +: 27];
            if (id_v && is_ctl(w, d)) begin
                id_first_if = form_of(d) == F_JA || form_of(d) == F_EXITK;
                id_may_redirect = !id_first_if;
            end
        end
        if (id_exit_plain) id_need = id_need | 16'h0001;
    end

    wire id_dep = id_v && ie_v && (((ie_wr & id_need) != 16'd0) || id_memdep || id_keydep);
    wire id_es = id_v && id_frames != 16'd0 && fr < {16'd0, id_frames};
    wire id_ok = !id_v || (!id_dep && !id_es);
    // the row in ID resolves now (a fault ends the program like an exit in ID)
    wire id_res = id_v && id_ok && !id_first_if;
    wire id_redirect = id_res && (id_jump || id_exit || id_fault);
    wire id_end = id_v && id_ok && (id_fault || (!id_first_if && id_exit));
    wire ie_free = !ie_v || ie_ok;
    wire id_adv = id_v && id_ok && ie_free;
    wire id_empty_next = !id_v || id_adv;
    // an exit K first in the IF row ends the program there unless the ID row may still
    // redirect (an unresolved branch or exit: the IF row would be a wrong-path fetch)
    wire if_exit = if_v && if_exitk && !ended && !(id_v && id_ok && id_fault) &&
                   (!id_may_redirect || (id_ok && !id_jump && !id_exit)) &&
                   (!id_v || !id_cond || id_ok);
    wire if_squash = if_v && id_redirect;
    wire if_adv = if_v && !if_squash && id_empty_next;
    wire if_empty_next = !if_v || if_squash || if_adv;
    wire fetch_next = fetch_on && !if_exit && !id_end && !ended;
    wire [10:0] fetch_pc = id_redirect ? id_tgt : if_v ? (if_ja ? if_tgt : if_pc + 11'd1) : npc;

    // ---------------- sequential ----------------
    // One instruction-memory read port and a registered constant-pool read (loaded with
    // ie_row), so both map to block RAM; same cycle as the reads they replace.
    wire run_step = !rst && !start && busy;
    wire imem_re = run_step && (rst_phase || (if_empty_next && fetch_next));
    wire [10:0] imem_ra = rst_phase ? start_row : fetch_pc;
    wire ie_load = run_step && !rst_phase && ie_free && id_adv;
    integer kl;
    genvar gi;
    generate for (gi = 0; gi < N; gi = gi + 1) begin : im
        reg [63:0] w [0:IMEM_ROWS-1];
        reg [7:0]  id [0:IMEM_ROWS-1];
        always @(posedge clk) begin
            if (imem_we && imem_lane == gi) begin
                w[imem_row] <= imem_wdata;
                id[imem_row] <= imem_wdata == 64'd0 ? I_NONE : isa_decode(imem_wdata);
            end
            if (imem_re) begin if_row[gi*64 +: 64] <= w[imem_ra]; if_id[gi*8 +: 8] <= id[imem_ra]; end
        end
    end endgenerate
    always @(posedge clk) begin
        if (ie_load)
            for (kl = 0; kl < N; kl = kl + 1)
                ie_k[kl*64 +: 64] <= kpool[id_row[kl*64 + 32 +: 10]];
    end

    // The register file: 16 x 64 flip-flops, one write port per lane (its ALU result or an
    // atomic's fetched value; a lane writes at most one register) and the helper's r0..r5.
    // Each register picks the last lane that writes it (lane order, as the model) with a
    // binary select, so a bit is one N:1 mux rather than a 2N-deep priority chain.
    wire rf_commit = run_step && !rst_phase && ie_v && ie_ok;
    genvar gr;
    generate for (gr = 0; gr < 16; gr = gr + 1) begin : rfile
        reg [63:0]   q;
        reg          hit;
        reg [LW-1:0] src;
        integer      k;
        always @* begin
            hit = 1'b0; src = {LW{1'b0}};
            for (k = 0; k < N; k = k + 1)
                if (lw_en[k] && lw_idx[k*4 +: 4] == gr) begin hit = 1'b1; src = k; end
        end
        always @(posedge clk) begin
            if (run_step && rst_phase)
                q <= gr == 1 ? ctx_addr : gr == 10 ? {32'd3, 32'd4096} : 64'd0;
            else if (rf_commit && ie_hcall && gr <= 5)
                q <= gr == 0 ? h_ret : CLOBBER;
            else if (rf_commit && hit)
                q <= lw_val[src*64 +: 64];
        end
        assign rf[gr*64 +: 64] = q;
    end endgenerate

    always @(posedge clk) begin
        done <= 1'b0;
        if (rst) begin
            busy <= 1'b0; fetch_on <= 1'b0; rst_phase <= 1'b0; ended <= 1'b0;
            if_v <= 1'b0; id_v <= 1'b0; ie_v <= 1'b0; cm_v <= 1'b0;
            action <= 64'd0; fault <= 1'b0; cycles <= 32'd0; rows_run <= 32'd0;
        end else if (start) begin
            busy <= 1'b1; rst_phase <= 1'b1; ended <= 1'b0; fetch_on <= 1'b0;
            if_v <= 1'b0; id_v <= 1'b0; ie_v <= 1'b0; cm_v <= 1'b0;
            t_rel <= 32'd1; fr <= 32'd0; e_rel <= 32'd0; c_rel <= 32'd0;
            base_r <= sel_base; len_r <= sel_len;
            fault <= 1'b0; action <= 64'd0; rows_run <= 32'd0;
        end else if (busy) begin
            t_rel <= t_rel + 32'd1;
            fr <= fr + 32'd1;
            if (rst_phase) begin
                // self-reset: registers (the stack clears itself on start)
                // self-reset of the registers: block rf below
                rst_phase <= 1'b0;
                fetch_on <= 1'b1;
                if_v <= 1'b1; if_pc <= start_row;
                npc <= start_row + 11'd1;
            end else begin
`ifdef HX_TRACE
                $display("t=%0d IF=%0d:%0d ID=%0d:%0d IE=%0d:%0d CM=%0d idok=%0d ieok=%0d ended=%0d r0=%0h ifexit=%0d idend=%0d",
                         t_rel, if_v, if_pc, id_v, id_pc, ie_v, ie_pc, cm_v, id_ok, ie_ok, ended, `RG(0), if_exit, id_end);
                $display("   st_en=%b a0=%h d0=%h a1=%h d1=%h ld_en=%b la0=%h ld0=%h ok=%b", st_en, st_addr[63:0], st_data[63:0], st_addr[127:64], st_data[127:64], ld_en, ld_addr[63:0], ld_data[63:0], ld_ok);
`endif
                // commit of the row leaving IE
                cm_v <= ie_v && ie_ok;
                if (cm_v) c_rel <= t_rel;
                if (ie_v && ie_ok) begin
                    rows_run <= rows_run + 32'd1;
                end
                // IE
                if (ie_v && !ie_ok) ie_cnt <= ie_cnt + 16'd1;
                if (ie_free) begin
                    ie_v <= id_adv;
                    ie_cnt <= 16'd0;
                    if (id_adv) begin
                        ie_row <= id_row; ie_id <= id_id; ie_p <= id_p; ie_pc <= id_pc;
                        ie_rd <= nx_d; ie_rs <= nx_s;
                        for (l = 0; l < N; l = l + 1)
                            ie_ld[l*64 +: 64] <= ld_ok[l] ? ld_data[l*64 +: 64] : 64'd0;
                    end
                end
                // ID
                if (id_end && !ended) begin
                    ended <= 1'b1; e_rel <= t_rel;
                    action <= id_fault ? 64'd0 : id_exit_val;
                    fault <= id_fault;
                end
                if (id_empty_next) begin
                    id_v <= if_adv;
                    if (if_adv) begin
                        id_row <= if_row; id_id <= if_id; id_p <= if_p; id_pc <= if_pc;
                    end
                end
                // IF
                if (if_exit) begin
                    ended <= 1'b1; e_rel <= t_rel; action <= if_kval;
                end
                if (if_empty_next) begin
                    if_v <= fetch_next;
                    if (fetch_next) begin
                        if_pc <= fetch_pc;
                    end else npc <= fetch_pc;
                end
                if (!fetch_next) fetch_on <= 1'b0;
                // drained: report
                if (ended && !if_v && !id_v && !ie_v && !cm_v) begin
                    busy <= 1'b0;
                    done <= 1'b1;
                    cycles <= (c_rel > e_rel + 32'd3 ? c_rel - 32'd3 : e_rel) + 32'd1;
                end
            end
        end
    end
    wire unused_ok = &{1'b0, ie_pc, ie_fault, id_hmap, ie_atom, fetch_next};
endmodule
`undef RG
