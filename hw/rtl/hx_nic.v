// hx_nic.v: the data side around Sephirot (docs/hw.md): the active packet buffer (APS:
// frame memory, difference buffer, scratch/headroom, xdp_md), the stack (flash-cleared
// word-valid bits), the maps module (value/key memories, configurator registers, the
// hash pipeline) and the helper module. They share the lane load/store ports, so they
// are one module; each has its own always block below.
//
// Addresses are hxdp's (src/mem.h): region << 32 | offset. Regions: 1 xdp_md, 2 packet
// (offsets into the 4 KiB XDP frame, headroom 256), 3 stack (8 x 512), 4 + i map i's
// values, 0x100 + i map i's handle, 0x80 the configurator's staging buffer.
module hx_nic #(
    parameter N = 4,
    parameter NMAPS = 16,
    parameter MAPMEM = 65536,   // value bytes, all maps
    parameter KEYMEM = 32768,   // key bytes, hash maps
    parameter NSLOTS = 4096     // valid bits, hash and device maps
) (
    input  wire            clk,
    input  wire            rst,
    // packet selection (from the top's PIQ side)
    input  wire            sel,            // select: new packet of sel_len bytes
    input  wire [15:0]     sel_len,
    input  wire            frame_we,       // frame k of the selected packet moves in
    input  wire [6:0]      frame_idx,
    input  wire [255:0]    frame_data,
    // core ports
    input  wire [N-1:0]    ld_en,
    input  wire [N*64-1:0] ld_addr,
    input  wire [N*4-1:0]  ld_size,
    output reg  [N*64-1:0] ld_data,
    output reg  [N-1:0]    ld_ok,
    input  wire [N-1:0]    st_en,
    input  wire [N*64-1:0] st_addr,
    input  wire [N*4-1:0]  st_size,
    input  wire [N*64-1:0] st_data,
    input  wire            st_commit,
    output reg             st_fault,
    input  wire            h_call,
    input  wire            h_first,
    input  wire [31:0]     h_id,
    input  wire [5*64-1:0] h_args,
    output reg  [15:0]     h_lat,
    output reg  [15:0]     h_frames,
    output reg  [63:0]     h_ret,
    input  wire            h_commit,
    input  wire [63:0]     id_r1,
    output reg  [15:0]     id_key_size,
    output wire [31:0]     pkt_end_view,   // data_end as the row in ID sees it
    // packet state after the program
    output reg  [31:0]     meta, data, dend,
    output reg  [1:0]      tgt_kind,       // 0 none, 1 ifindex, 2 map
    output reg  [31:0]     tgt_a, tgt_b,
    // emission read port: 32 bytes from offset (merged view)
    input  wire [31:0]     em_off,
    output reg  [255:0]    em_data,
    // register interface (configurator and user map access)
    input  wire            cfg_we,
    input  wire [31:0]     cfg_addr,
    input  wire [63:0]     cfg_wdata,
    output reg  [63:0]     cfg_rdata
);
    localparam [31:0] R_CTX = 1, R_PKT = 2, R_STACK = 3, R_MAP0 = 4, R_MAPREF = 32'h100,
                      R_STAGE = 32'h80;
    // BPF_MAP_TYPE_*
    localparam [31:0] T_HASH = 1, T_ARRAY = 2, T_PERCPU_HASH = 5, T_PERCPU_ARRAY = 6,
                      T_DEVMAP = 14, T_DEVMAP_HASH = 25;

    // ---------------- memories ----------------
    reg [7:0]  ob [0:4095];          // APS frame memory (packet as it arrived)
    reg [7:0]  db [0:4095];          // APS difference buffer (program writes)
    reg [4095:0] dv;                 //   its byte-valid bits
    reg [63:0] stk [0:511] /*verilator public*/;
    reg [511:0] stv;                 // stack word-valid (flash clear = self-reset)
    reg [7:0]  mv [0:MAPMEM-1] /*verilator public*/;   // map values
    reg [7:0]  mk [0:KEYMEM-1] /*verilator public*/;   // hash keys
    reg        ms [0:NSLOTS-1] /*verilator public*/;   // slot valid (hash, devmap)
    reg [7:0]  stage [0:511];        // configurator staging (key at 0, value at 256)
    // configurator registers, per map
    reg [31:0] c_type [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_ksz [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_vsz [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_max [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_esz [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_vbase [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_vsize [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_kbase [0:NMAPS-1] /*verilator public*/;
    reg [31:0] c_slog [0:NMAPS-1] /*verilator public*/;   // log2 slots
    reg [31:0] c_sbase [0:NMAPS-1] /*verilator public*/;
    reg        c_ro [0:NMAPS-1];
    reg [31:0] c_cnt [0:NMAPS-1] /*verilator public*/;
    reg [31:0] nmaps;
    reg [63:0] ktime, kstep, prng;
    reg [31:0] base, olim;           // data at select; frame bytes end (shrinks only)

    // ---------------- byte access through the address space ----------------
    function in_pkt(input [31:0] o, input [31:0] n);
        in_pkt = o >= meta && {1'b0, o} + {1'b0, n} <= {1'b0, dend};
    endfunction
    function [7:0] pkt_byte(input [31:0] o);
        pkt_byte = dv[o[11:0]] ? db[o[11:0]] : (o >= base && o < olim ? ob[o[11:0]] : 8'd0);
    endfunction
    function [7:0] stk_byte(input [31:0] o);
        reg [63:0] wd;
        begin
            wd = stv[o[11:3]] ? stk[o[11:3]] : 64'd0;
            stk_byte = wd[o[2:0]*8 +: 8];
        end
    endfunction
    function map_ok(input [31:0] reg_id, input [31:0] o, input [31:0] n, input wr);
        reg [31:0] i;
        begin
            i = reg_id - R_MAP0;
            map_ok = reg_id >= R_MAP0 && i < nmaps && i < NMAPS &&
                     {1'b0, o} + {1'b0, n} <= {1'b0, c_vsize[i[5:0]]} && !(wr && c_ro[i[5:0]]);
        end
    endfunction
    // readable/writable: n bytes at a
    function acc_ok(input [63:0] a, input [31:0] n, input wr);
        reg [31:0] rg, o;
        begin
            rg = a[63:32]; o = a[31:0];
            acc_ok = rg == R_PKT ? in_pkt(o, n) :
                     rg == R_STACK ? {1'b0, o} + {1'b0, n} <= 33'd4096 :
                     rg == R_STAGE ? {1'b0, o} + {1'b0, n} <= 33'd512 :
                     map_ok(rg, o, n, wr);
        end
    endfunction
    function [7:0] rd_byte(input [63:0] a);
        reg [31:0] rg, o, i;
        begin
            rg = a[63:32]; o = a[31:0]; i = rg - R_MAP0;
            rd_byte = rg == R_PKT ? pkt_byte(o) :
                      rg == R_STACK ? stk_byte(o) :
                      rg == R_STAGE ? stage[o[8:0]] :
                      mv[c_vbase[i[5:0]] + o];
        end
    endfunction
    // the bytes of an n-byte store of d at offset o that fall in stack word wi
    function [63:0] stk_apply(input [63:0] cur, input [8:0] wi, input [31:0] o, input [31:0] n,
                              input [63:0] d);
        reg [31:0] ba;
        integer bb;
        begin
            stk_apply = cur;
            for (bb = 0; bb < 8; bb = bb + 1) begin
                ba = {20'd0, wi, 3'd0} + bb;
                if (ba >= o && ba < o + n) stk_apply[bb*8 +: 8] = d[(ba - o)*8 +: 8];
            end
        end
    endfunction
    reg [31:0]  n_meta, n_data, n_end;          // packet pointers after the helper
    // xdp_md as a load in ID sees it: a helper committing in IE (adjust_head/meta/tail)
    // has already moved the pointers (pkt_end_view is the same bypass for data_end)
    function [63:0] ctx_word(input [31:0] o);
        case (o)
        32'd0:  ctx_word = {R_PKT, h_commit ? n_data : data};
        32'd4:  ctx_word = {R_PKT, pkt_end_view};
        32'd8:  ctx_word = {R_PKT, h_commit ? n_meta : meta};
        32'd12: ctx_word = 64'd1;        // ingress_ifindex: test_run's loopback
        default: ctx_word = 64'd0;       // rx_queue_index, egress_ifindex
        endcase
    endfunction

    // ---------------- helper effects, computed in IE ----------------
    wire [63:0] a1 = h_args[63:0], a2 = h_args[127:64], a3 = h_args[191:128],
                a4 = h_args[255:192], a5 = h_args[319:256];
    reg         n_grow;
    reg [31:0]  hm;                             // map index of r1
    reg         hm_ok;
    reg [255:0] hkey;                           // the key (32 bytes)
    reg [31:0]  slot_hit, slot_free, hidx;
    reg         hit, has_free;
    reg [63:0]  n_prng;
    reg [2:0]   h_op;                           // map write: 0 none 1 value 2 insert 3 delete
    reg [31:0]  h_slot;
    reg [63:0]  cs_to, cs_from;                 // csum accumulators (next)
    reg [63:0]  acc_to, acc_from;               // csum accumulators (registers)
    reg [15:0]  h_cyc;

    assign pkt_end_view = h_commit ? n_end : dend;

    function [31:0] hw_hash(input [255:0] k, input [31:0] ksz, input [31:0] slog);
        // the hardware hash (docs/hw.md): rotate-xor fold of the key's little-endian
        // 32-bit words (zero-padded to 4 bytes), then a Fibonacci multiply; the top
        // slog bits pick the first slot of the 4-slot probe window
        reg [31:0] h, wd, m;
        integer q;
        begin
            h = 32'd0;
            for (q = 0; q < 8; q = q + 1)
                if (q * 4 < ksz) begin
                    wd = k[q*32 +: 32];
                    if (ksz < q * 4 + 4)
                        wd = wd & ((32'd1 << ((ksz - q * 4) * 8)) - 32'd1);
                    h = {h[26:0], h[31:27]} ^ wd;
                end
            m = h * 32'h9e3779b1;
            hw_hash = slog == 0 ? 32'd0 : m >> (32 - slog);
        end
    endfunction

    function [63:0] add_carry(input [63:0] a, input [63:0] b);
        reg [64:0] s;
        begin
            s = {1'b0, a} + {1'b0, b};
            add_carry = s[63:0] + {63'd0, s[64]};
        end
    endfunction
    function [31:0] fold32(input [63:0] x);
        reg [32:0] s; reg [31:0] t;
        begin
            s = {1'b0, x[31:0]} + {1'b0, x[63:32]};
            t = s[31:0] + {31'd0, s[32]};
            fold32 = t;
        end
    endfunction
    function [31:0] csum_add(input [31:0] a, input [31:0] b);
        reg [32:0] s;
        begin
            s = {1'b0, a} + {1'b0, b};
            csum_add = s[31:0] + {31'd0, s[32]};
        end
    endfunction
    // one 32-byte chunk of a csum_partial: bytes [k*32, k*32+32) of n at address a
    function [63:0] chunk_sum(input [63:0] acc, input [63:0] a, input [31:0] n, input [15:0] k);
        reg [63:0] w, s;
        reg [31:0] o;
        integer q, bi;
        begin
            s = acc;
            for (q = 0; q < 4; q = q + 1) begin
                w = 64'd0;
                for (bi = 0; bi < 8; bi = bi + 1) begin
                    o = {16'd0, k} * 32 + q * 8 + bi;
                    if (o < n) w[bi*8 +: 8] = rd_byte(a + {32'd0, o});
                end
                s = add_carry(s, w);
            end
            chunk_sum = s;
        end
    endfunction

    integer i, b;
    reg [4095:0] grow_mask;
    always @* begin : growm
        integer gq;
        grow_mask = 4096'd0;
        if (n_grow)
            for (gq = 0; gq < 4096; gq = gq + 1)
                grow_mask[gq] = gq >= dend && gq < n_end;
    end
    reg [63:0] sa;
    reg [31:0] ret32, fs, ts, off32, kb;
    always @* begin : helper_comb
        reg [31:0] r, f16;
        reg [63:0] x;
        reg [31:0] ksz, k_extra, nsl, s;
        reg        exists;
        h_lat = 16'd1; h_frames = 16'd0; h_ret = 64'd0;
        n_meta = meta; n_data = data; n_end = dend; n_grow = 1'b0;
        n_prng = prng; h_op = 3'd0; h_slot = 32'd0; hkey = 256'd0;
        hit = 1'b0; has_free = 1'b0; slot_hit = 32'd0; slot_free = 32'd0; hidx = 32'd0;
        cs_to = acc_to; cs_from = acc_from;
        hm = a1[63:32] - R_MAPREF;
        hm_ok = a1[63:32] >= R_MAPREF && hm < nmaps && a1[31:0] == 32'd0;
        ksz = hm_ok ? c_ksz[hm[5:0]] : 32'd0;
        k_extra = ksz > 32 ? (ksz - 1) / 32 : 32'd0;
        nsl = hm_ok ? 32'd1 << c_slog[hm[5:0]] : 32'd0;
        if (h_call) begin
            // the key and the probe window (lookup, update, delete, redirect_map)
            if (h_id == 32'd51) hkey[31:0] = a2[31:0];
            else for (b = 0; b < 32; b = b + 1) if (b < ksz) hkey[b*8 +: 8] = rd_byte(a2 + b);
            hidx = hkey[31:0];
            if (hm_ok && (c_type[hm[5:0]] == T_HASH || c_type[hm[5:0]] == T_PERCPU_HASH ||
                          c_type[hm[5:0]] == T_DEVMAP_HASH)) begin
                r = hw_hash(hkey, ksz, c_slog[hm[5:0]]);
                for (i = 0; i < 4; i = i + 1) begin
                    s = (r + i) & (nsl - 1);
                    exists = ms[c_sbase[hm[5:0]] + s];
                    if (exists) begin
                        kb = c_kbase[hm[5:0]] + s * ksz;
                        for (b = 0; b < 32; b = b + 1)
                            if (b < ksz && mk[kb + b] != hkey[b*8 +: 8]) exists = 1'b0;
                    end
                    if (exists && !hit) begin hit = 1'b1; slot_hit = s; end
                    if (!ms[c_sbase[hm[5:0]] + s] && !has_free) begin has_free = 1'b1; slot_free = s; end
                end
            end else if (hm_ok) begin
                hit = hidx < c_max[hm[5:0]] &&
                      (c_type[hm[5:0]] != T_DEVMAP || ms[c_sbase[hm[5:0]] + hidx]);
                slot_hit = hidx;
            end
            case (h_id)
            32'd1: begin                                        // map_lookup_elem
                if (hm_ok && (c_type[hm[5:0]] == T_HASH || c_type[hm[5:0]] == T_PERCPU_HASH ||
                              c_type[hm[5:0]] == T_DEVMAP_HASH))
                    h_lat = 16'd1 + k_extra[15:0];
                h_ret = hit ? {R_MAP0 + hm, slot_hit * c_esz[hm[5:0]]} : 64'd0;
            end
            32'd2, 32'd3: begin                                 // map_update/delete_elem
                if (hm_ok && (c_type[hm[5:0]] == T_HASH || c_type[hm[5:0]] == T_PERCPU_HASH ||
                              c_type[hm[5:0]] == T_DEVMAP_HASH)) begin
                    h_lat = 16'd2 + k_extra[15:0];
                    if (h_id == 32'd3) begin
                        h_ret = hit ? 64'd0 : -64'd2;                   // -ENOENT
                        if (hit) begin h_op = 3'd3; h_slot = slot_hit; end
                    end else if (a4 > 64'd2) h_ret = -64'd22;           // -EINVAL
                    else if (hit && a4 == 64'd1) h_ret = -64'd17;      // -EEXIST
                    else if (!hit && a4 == 64'd2) h_ret = -64'd2;      // -ENOENT
                    else if (hit) begin h_op = 3'd1; h_slot = slot_hit; end
                    else if (c_cnt[hm[5:0]] >= c_max[hm[5:0]]) h_ret = -64'd7;  // -E2BIG
                    else if (!has_free) h_ret = -64'd12;                // -ENOMEM (window full)
                    else begin h_op = 3'd2; h_slot = slot_free; end
                end else if (hm_ok) begin
                    if (h_id == 32'd3) h_ret = -64'd22;
                    else if (a4 > 64'd2) h_ret = -64'd22;
                    else if (hidx >= c_max[hm[5:0]]) h_ret = -64'd7;
                    else if (a4 == 64'd1) h_ret = -64'd17;
                    else begin h_op = 3'd1; h_slot = hidx; end
                end
            end
            32'd5: begin h_ret = ktime; end                        // ktime_get_ns
            32'd7: begin                                            // get_prandom_u32
                x = prng == 64'd0 ? 64'h9e3779b97f4a7c15 : prng;
                x = x ^ (x << 13); x = x ^ (x >> 7); x = x ^ (x << 17);
                n_prng = x; h_ret = {32'd0, x[63:32]};
            end
            32'd8: h_ret = 64'd0;                                   // smp_processor_id
            32'd23: begin                                           // redirect
                h_lat = 16'd2;
                h_ret = a2 != 64'd0 ? 64'd0 : 64'd4;
            end
            32'd51: begin                                           // redirect_map
                h_lat = 16'd2;
                f16 = (hm_ok && (c_type[hm[5:0]] == T_DEVMAP || c_type[hm[5:0]] == T_DEVMAP_HASH))
                      ? 32'h1b : 32'h3;
                if ((a3 & ~{32'd0, f16}) != 64'd0) h_ret = 64'd0;
                else if (!hit && !a3[3]) h_ret = {62'd0, a3[1:0]};
                else h_ret = 64'd4;
            end
            32'd28: begin                                           // csum_diff
                fs = a2[31:0]; ts = a4[31:0];
                x = {32'd0, fs} + {32'd0, ts};
                h_lat = x > 64'd32 ? x[20:5] + (x[4:0] != 5'd0 ? 16'd1 : 16'd0) : 16'd1;
                if (a1[63:32] == R_PKT && fs != 0) begin
                    off32 = a1[31:0] + fs;
                    if (off32 > base) begin
                        off32 = off32 - base;
                        if (off32 > olim - base) off32 = olim - base;
                        f16 = (off32 + 31) >> 5;
                        if (f16[15:0] > h_frames) h_frames = f16[15:0];
                    end
                end
                if (a3[63:32] == R_PKT && ts != 0) begin
                    off32 = a3[31:0] + ts;
                    if (off32 > base) begin
                        off32 = off32 - base;
                        if (off32 > olim - base) off32 = olim - base;
                        f16 = (off32 + 31) >> 5;
                        if (f16[15:0] > h_frames) h_frames = f16[15:0];
                    end
                end
                if (h_first) begin cs_to = {32'd0, a5[31:0]}; cs_from = 64'd0; end
                cs_to = chunk_sum(cs_to, a3, ts, h_cyc);
                cs_from = chunk_sum(cs_from, a1, fs, h_cyc);
                if (fs != 0 && ts != 0) ret32 = csum_add(fold32(cs_to), ~fold32(cs_from));
                else if (ts != 0) ret32 = fold32(cs_to);
                else if (fs != 0) ret32 = ~fold32(chunk_sum({32'd0, ~a5[31:0]}, a1, fs, 16'd0));
                else ret32 = a5[31:0];
                ret32 = ret32 + {ret32[15:0], ret32[31:16]};
                h_ret = {48'd0, ret32[31:16]};
            end
            32'd44: begin                                           // xdp_adjust_head
                sa = {{32{a2[31]}}, a2[31:0]};
                x = {32'd0, data} + sa;
                if ($signed(x) < $signed({32'd0, 32'd40 + data - meta}) ||
                    $signed(x) > $signed({32'd0, dend} - 64'd14))
                    h_ret = -64'd22;
                else begin
                    n_meta = meta + sa[31:0]; n_data = x[31:0];
                end
            end
            32'd65: begin                                           // xdp_adjust_tail
                sa = {{32{a2[31]}}, a2[31:0]};
                x = {32'd0, dend} + sa;
                if ($signed(x) > 64'sd3776 || $signed(x) < $signed({32'd0, data} + 64'd14))
                    h_ret = -64'd22;
                else begin n_end = x[31:0]; n_grow = !sa[63] && sa != 64'd0; end
            end
            32'd54: begin                                           // xdp_adjust_meta
                sa = {{32{a2[31]}}, a2[31:0]};
                x = {32'd0, meta} + sa;
                if ($signed(x) < 64'sd40 || $signed(x) > $signed({32'd0, data}))
                    h_ret = -64'd22;
                else if (((data - x[31:0]) & 32'd3) != 0 || data - x[31:0] > 32'd32)
                    h_ret = -64'd13;
                else n_meta = x[31:0];
            end
            default: ;
            endcase
        end
    end

    // lane loads (ID)
    always @* begin : lane_loads
        reg [63:0] a, v;
        reg [31:0] n;
        integer ln, lb;
        for (ln = 0; ln < N; ln = ln + 1) begin
            a = ld_addr[ln*64 +: 64];
            n = {28'd0, ld_size[ln*4 +: 4]};
            v = 64'd0;
            ld_ok[ln] = 1'b0;
            if (ld_en[ln]) begin
                if (a[63:32] == R_CTX) begin
                    ld_ok[ln] = n == 4 && a[1:0] == 2'd0 && a[31:0] < 32'd24;
                    v = ctx_word(a[31:0]);
                end else if (acc_ok(a, n, 1'b0)) begin
                    ld_ok[ln] = 1'b1;
                    for (lb = 0; lb < 8; lb = lb + 1)
                        if (lb < n) v[lb*8 +: 8] = rd_byte(a + lb);
                end
            end
            ld_data[ln*64 +: 64] = v;
        end
    end

    // map helpers in ID: key size of the map r1 names (key-dependence check)
    always @* begin : key_size
        reg [31:0] m;
        m = id_r1[63:32] - R_MAPREF;
        id_key_size = id_r1[63:32] >= R_MAPREF && m < nmaps && id_r1[31:0] == 0 ?
                      c_ksz[m[5:0]][15:0] : 16'd0;
    end

    // emission: 32 bytes of the packet as the program left it
    always @* begin : emit
        integer e;
        for (e = 0; e < 32; e = e + 1) em_data[e*8 +: 8] = pkt_byte(em_off + e);
    end

    // register interface reads
    always @* begin : cfg_read
        reg [31:0] o;
        o = cfg_addr & 32'h0fffffff;
        case (cfg_addr[31:28])
        4'h4: cfg_rdata = h_ret;
        4'h5: cfg_rdata = ktime;
        4'h7: cfg_rdata = prng;
        4'h8: cfg_rdata = {56'd0, mv[o[15:0]]};
        4'h9: cfg_rdata = {56'd0, mk[o[14:0]]};
        4'ha: cfg_rdata = {63'd0, ms[o[11:0]]};
        4'hb: cfg_rdata = {32'd0, c_cnt[o[3:0]]};
        default: cfg_rdata = 64'd0;
        endcase
    end

    // ---------------- sequential ----------------
    reg [31:0] vb, kbs;
    always @(posedge clk) begin : seq
        reg [31:0] o, mi, fld;
        reg [63:0] a, d;
        reg [31:0] n;
        integer ln, q;
        st_fault <= 1'b0;
        if (rst) begin
            nmaps <= 32'd0; ktime <= 64'd1000000000; kstep <= 64'd1000;
            prng <= 64'h2545f4914f6cdd1d;
            meta <= 32'd256; data <= 32'd256; dend <= 32'd256; base <= 32'd256; olim <= 32'd256;
            tgt_kind <= 2'd0;
        end
        // select: headroom 256, difference buffer and stack flash-cleared
        if (sel) begin
            meta <= 32'd256; data <= 32'd256; dend <= 32'd256 + {16'd0, sel_len};
            base <= 32'd256; olim <= 32'd256 + {16'd0, sel_len};
            dv <= 4096'd0;
            stv <= 512'd0;
            tgt_kind <= 2'd0; tgt_a <= 32'd0; tgt_b <= 32'd0;
        end
`ifdef HX_TRACE
        $display("   nic: sel=%0d fwe=%0d fidx=%0d fd0=%h base=%0d olim=%0d dend=%0d dv265=%0d ob265=%h", sel, frame_we, frame_idx, frame_data[7:0], base, olim, dend, dv[265], ob[265]);
`endif
        if (frame_we)
            for (q = 0; q < 32; q = q + 1)
                ob[{frame_idx, 5'd0} + 12'd256 + q] <= frame_data[q*8 +: 8];
        // lane stores, lane order
        if (st_commit)
            for (ln = 0; ln < N; ln = ln + 1) if (st_en[ln]) begin
                a = st_addr[ln*64 +: 64]; d = st_data[ln*64 +: 64];
                n = {28'd0, st_size[ln*4 +: 4]};
                o = a[31:0];
                if (!acc_ok(a, n, 1'b1)) st_fault <= 1'b1;
                else if (a[63:32] == R_PKT) begin
                    for (q = 0; q < 8; q = q + 1) if (q < n) begin
                        db[o[11:0] + q] <= d[q*8 +: 8]; dv[o[11:0] + q] <= 1'b1;
                    end
                end else if (a[63:32] == R_STACK) begin
                    // word-valid: the first write of a word since the reset zeroes it
                    // the word as lanes 0..ln leave it: lanes of one row that write
                    // the same word must not undo each other (the last write wins)
                    for (q = 0; q < 2; q = q + 1) begin : stw
                        reg [8:0] wi; reg [63:0] cur; integer j;
                        wi = o[11:3] + q;
                        cur = stv[wi] ? stk[wi] : 64'd0;
                        for (j = 0; j <= ln; j = j + 1)
                            if (st_en[j] && st_addr[j*64 + 32 +: 32] == R_STACK &&
                                acc_ok(st_addr[j*64 +: 64], {28'd0, st_size[j*4 +: 4]}, 1'b1))
                                cur = stk_apply(cur, wi, st_addr[j*64 +: 32],
                                                {28'd0, st_size[j*4 +: 4]}, st_data[j*64 +: 64]);
                        if (o[2:0] + n > 8 || q == 0) begin
                            stk[wi] <= cur; stv[wi] <= 1'b1;
                        end
                    end
                end else if (a[63:32] == R_STAGE) begin
                    for (q = 0; q < 8; q = q + 1) if (q < n) stage[o[8:0] + q] <= d[q*8 +: 8];
                end else begin
                    mi = a[63:32] - R_MAP0;
                    for (q = 0; q < 8; q = q + 1) if (q < n) mv[c_vbase[mi[5:0]] + o + q] <= d[q*8 +: 8];
                end
            end
        // helper effects
        if (h_call) begin
            h_cyc <= h_commit ? 16'd0 : h_cyc + 16'd1;
            acc_to <= cs_to; acc_from <= cs_from;
        end else h_cyc <= 16'd0;
        if (h_commit) begin
            if (h_id == 32'd5) ktime <= ktime + kstep;
            if (h_id == 32'd7) prng <= n_prng;
            meta <= n_meta; data <= n_data; dend <= n_end;
            if (n_end < olim) olim <= n_end;
            if (n_grow) dv <= dv & ~grow_mask;
            if (h_id == 32'd23 && h_ret == 64'd4) begin
                tgt_kind <= 2'd1; tgt_a <= a1[31:0]; tgt_b <= 32'd0;
            end
            if (h_id == 32'd51) begin
                if (h_ret == 64'd4) begin tgt_kind <= 2'd2; tgt_a <= hm; tgt_b <= a2[31:0]; end
                else if (a3 == (a3 & 64'h1b)) begin tgt_kind <= 2'd0; tgt_a <= 0; tgt_b <= 0; end
            end
            if (h_op != 3'd0) begin
                vb = c_vbase[hm[5:0]] + h_slot * c_esz[hm[5:0]];
                kbs = c_kbase[hm[5:0]] + h_slot * c_ksz[hm[5:0]];
                if (h_op == 3'd1 || h_op == 3'd2)
                    for (q = 0; q < 64; q = q + 1)
                        if (q < c_vsz[hm[5:0]]) mv[vb + q] <= rd_byte(a3 + q);
                if (h_op == 3'd2) begin
                    for (q = 0; q < 32; q = q + 1)
                        if (q < c_ksz[hm[5:0]]) mk[kbs + q] <= hkey[q*8 +: 8];
                    ms[c_sbase[hm[5:0]] + h_slot] <= 1'b1;
                    c_cnt[hm[5:0]] <= c_cnt[hm[5:0]] + 1;
                end
                if (h_op == 3'd3) begin
                    ms[c_sbase[hm[5:0]] + h_slot] <= 1'b0;
                    c_cnt[hm[5:0]] <= c_cnt[hm[5:0]] - 1;
                end
                if (h_op == 3'd1 && c_type[hm[5:0]] == T_DEVMAP)
                    ms[c_sbase[hm[5:0]] + h_slot] <= 1'b1;
            end
        end
        // register interface writes (the core is idle: the top only lets them through then)
        if (cfg_we) begin
            o = cfg_addr & 32'h0fffffff;
            case (cfg_addr[31:28])
            4'h2: begin
                mi = {26'd0, o[9:4]}; fld = {28'd0, o[3:0]};
                if (mi == 32'h3f) nmaps <= cfg_wdata[31:0];
                else case (fld)
                0: c_type[mi[5:0]] <= cfg_wdata[31:0];
                1: c_ksz[mi[5:0]] <= cfg_wdata[31:0];
                2: c_vsz[mi[5:0]] <= cfg_wdata[31:0];
                3: c_max[mi[5:0]] <= cfg_wdata[31:0];
                4: c_esz[mi[5:0]] <= cfg_wdata[31:0];
                5: c_vbase[mi[5:0]] <= cfg_wdata[31:0];
                6: c_vsize[mi[5:0]] <= cfg_wdata[31:0];
                7: c_kbase[mi[5:0]] <= cfg_wdata[31:0];
                8: c_slog[mi[5:0]] <= cfg_wdata[31:0];
                9: c_sbase[mi[5:0]] <= cfg_wdata[31:0];
                10: c_ro[mi[5:0]] <= cfg_wdata[0];
                11: c_cnt[mi[5:0]] <= cfg_wdata[31:0];
                default: ;
                endcase
            end
            4'h3: stage[o[8:0]] <= cfg_wdata[7:0];
            4'h5: ktime <= cfg_wdata;
            4'h6: kstep <= cfg_wdata;
            4'h7: prng <= cfg_wdata;
            4'h8: mv[o[15:0]] <= cfg_wdata[7:0];
            4'h9: mk[o[14:0]] <= cfg_wdata[7:0];
            4'ha: ms[o[11:0]] <= cfg_wdata[0];
            default: ;
            endcase
        end
    end
    wire unused_ok = &{1'b0, h_first, fs, ts};
endmodule
