// hxdp_top.v: the hXDP NIC core: PIQ -> APS -> Sephirot -> emission (docs/hw.md).
// Packet interface AXI4-Stream style (256-bit frames, length in s_len with the first
// frame); register interface for program load, map configuration and map access.
// Register map (cfg_addr[31:28]): 0 instruction memory {row, lane}; 1 constant pool;
// 2 map configuration {map, field}; 3 staging bytes; 4 map op (write {flags, op, map},
// read the result); 5/6/7 ktime, ktime step, prandom state; 8/9/a map values, keys,
// slot-valid bits; c start row of the program.
module hxdp_top #(
    parameter N = 4,
    parameter HAS_DIV = 0
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         s_valid,
    input  wire [255:0] s_data,
    input  wire         s_last,
    input  wire [15:0]  s_len,
    output wire         s_ready,
    output reg          m_valid,
    output reg  [255:0] m_data,
    output reg          m_last,
    output reg  [15:0]  m_len,
    // per packet: the verdict (sideband of the harness)
    output reg          v_valid,
    output reg  [63:0]  v_action,
    output reg          v_fault,
    output reg  [31:0]  v_cycles,
    output reg  [1:0]   v_tgt_kind,
    output reg  [31:0]  v_tgt_a, v_tgt_b,
    input  wire         cfg_we,
    input  wire [31:0]  cfg_addr,
    input  wire [63:0]  cfg_wdata,
    output wire [63:0]  cfg_rdata
);
    wire            pkt_avail;
    wire [15:0]     pkt_len;
    wire [255:0]    piq_data;
    reg             piq_rd, piq_pop;
    piq q (.clk(clk), .rst(rst), .s_valid(s_valid), .s_data(s_data), .s_last(s_last),
           .s_len(s_len), .s_ready(s_ready), .pkt_avail(pkt_avail), .pkt_len(pkt_len),
           .rd(piq_rd), .rd_data(piq_data), .pkt_pop(piq_pop));

    wire [N-1:0] ld_en, ld_ok, st_en;
    wire [N*64-1:0] ld_addr, ld_data, st_addr, st_data;
    wire [N*4-1:0] ld_size, st_size;
    wire st_commit, c_h_call, c_h_first, c_h_commit, busy, done, fault, st_fault;
    wire [31:0] c_h_id, cycles, rows_run;
    wire [5*64-1:0] c_h_args;
    wire [15:0] h_lat, h_frames, id_key_size;
    wire [63:0] h_ret, id_r1, id_r2, action;
    wire [31:0] pkt_end_view, meta, data, dend, tgt_a, tgt_b;
    wire [1:0] tgt_kind;
    reg  [31:0] em_off;
    wire [255:0] em_data;
    reg  [10:0] start_row;
    reg         start;
    reg  [15:0] cur_len;

    // the register interface's map op drives the helper path while the core is idle
    wire op_we = cfg_we && cfg_addr[31:28] == 4'h4 && !busy;
    wire h_call = op_we || c_h_call;
    wire h_commit = op_we || c_h_commit;
    wire [31:0] h_id = op_we ? (cfg_wdata[9:8] == 2'd2 ? 32'd3 : cfg_wdata[9:8] == 2'd3 ? 32'd1 : 32'd2) : c_h_id;
    wire [5*64-1:0] h_args = op_we ?
        {64'd0, {32'd0, cfg_wdata[63:32]}, {32'h80, 32'd256}, {32'h80, 32'd0},
         {32'h100 + {24'd0, cfg_wdata[7:0]}, 32'd0}} : c_h_args;

    sephirot #(.N(N), .HAS_DIV(HAS_DIV)) core (
        .clk(clk), .rst(rst),
        .imem_we(cfg_we && cfg_addr[31:28] == 4'h0), .imem_row(cfg_addr[13:3]),
        .imem_lane(cfg_addr[2:0]), .imem_wdata(cfg_wdata),
        .const_we(cfg_we && cfg_addr[31:28] == 4'h1), .const_idx(cfg_addr[9:0]),
        .const_wdata(cfg_wdata),
        .start(start), .start_row(start_row), .ctx_addr({32'd1, 32'd0}),
        .sel_base(32'd256), .sel_len({16'd0, cur_len}), .pkt_end(pkt_end_view),
        .ld_en(ld_en), .ld_addr(ld_addr), .ld_size(ld_size), .ld_data(ld_data), .ld_ok(ld_ok),
        .st_en(st_en), .st_addr(st_addr), .st_size(st_size), .st_data(st_data),
        .st_commit(st_commit),
        .h_call(c_h_call), .h_first(c_h_first), .h_id(c_h_id), .h_args(c_h_args),
        .h_lat(h_lat), .h_frames(h_frames), .h_ret(h_ret), .h_fault(1'b0),
        .h_commit(c_h_commit), .id_r1(id_r1), .id_r2(id_r2), .id_key_size(id_key_size),
        .busy(busy), .done(done), .action(action), .fault(fault), .cycles(cycles),
        .rows_run(rows_run));

    reg        xfer;
    reg [6:0]  xk, xn;
    hx_nic #(.N(N)) nic (
        .clk(clk), .rst(rst), .sel(start), .sel_len(pkt_len),
        .frame_we(xfer), .frame_idx(xk), .frame_data(piq_data),
        .ld_en(ld_en), .ld_addr(ld_addr), .ld_size(ld_size), .ld_data(ld_data), .ld_ok(ld_ok),
        .st_en(st_en), .st_addr(st_addr), .st_size(st_size), .st_data(st_data),
        .st_commit(st_commit), .st_fault(st_fault),
        .h_call(h_call), .h_first(op_we || c_h_first), .h_id(h_id), .h_args(h_args),
        .h_lat(h_lat), .h_frames(h_frames), .h_ret(h_ret), .h_commit(h_commit),
        .id_r1(id_r1), .id_key_size(id_key_size), .pkt_end_view(pkt_end_view),
        .meta(meta), .data(data), .dend(dend), .tgt_kind(tgt_kind), .tgt_a(tgt_a),
        .tgt_b(tgt_b), .em_off(em_off), .em_data(em_data),
        .cfg_we(cfg_we && cfg_addr[31:28] != 4'h4), .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .cfg_rdata(cfg_rdata));

    // packet flow: select when the core and the emitter are idle; frames move one per
    // cycle from select + 1; emission after the program drained, one frame per cycle
    reg        active, emitting, st_f;
    reg [31:0] em_left;
    always @(posedge clk) begin
        start <= 1'b0; piq_pop <= 1'b0; v_valid <= 1'b0; m_valid <= 1'b0; m_last <= 1'b0;
        if (rst) begin
            active <= 1'b0; emitting <= 1'b0; xfer <= 1'b0; start_row <= 11'd0;
        end else begin
            if (cfg_we && cfg_addr[31:28] == 4'hc) start_row <= cfg_wdata[10:0];
            if (st_fault) st_f <= 1'b1;
            if (!active && !emitting && !start && !xfer && pkt_avail && !busy) begin
                start <= 1'b1; active <= 1'b1; st_f <= 1'b0;
                cur_len <= pkt_len;
                xn <= pkt_len[11:5] + (pkt_len[4:0] != 5'd0 ? 7'd1 : 7'd0);
                xk <= 7'd0;
                piq_pop <= 1'b1;
            end
            if (start) xfer <= 1'b1;
            if (xfer) begin
                xk <= xk + 7'd1;
                if (xk + 7'd1 == xn) xfer <= 1'b0;
            end
            if (done && active) begin
                active <= 1'b0;
                v_valid <= 1'b1; v_action <= action; v_fault <= fault || st_f;
                v_cycles <= cycles; v_tgt_kind <= tgt_kind; v_tgt_a <= tgt_a; v_tgt_b <= tgt_b;
                if (!fault && !st_f && (action == 64'd2 || action == 64'd3 || action == 64'd4)) begin
                    emitting <= 1'b1; em_off <= data; em_left <= dend - data;
                end
            end
            if (emitting && !xfer) begin
                m_valid <= 1'b1; m_data <= em_data;
                m_len <= dend[15:0] - data[15:0];
                m_last <= em_left <= 32'd32;
                em_off <= em_off + 32'd32;
                em_left <= em_left > 32'd32 ? em_left - 32'd32 : 32'd0;
                if (em_left <= 32'd32) emitting <= 1'b0;
            end
        end
    end
    always @* piq_rd = xfer;
    wire unused_ok = &{1'b0, id_r2, rows_run, meta};
endmodule
