// piq.v: the programmable input queue: 512 frames of 32 bytes (docs/timing.md 1) with a
// packet-length queue; a packet is visible to the APS once its last frame is in.
module piq #(
    parameter DEPTH = 512,
    parameter AW = 9
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         s_valid,
    input  wire [255:0] s_data,
    input  wire         s_last,
    input  wire [15:0]  s_len,        // bytes, with the first frame
    output wire         s_ready,
    output wire         pkt_avail,
    output wire [15:0]  pkt_len,
    input  wire         rd,           // pop one frame
    output wire [255:0] rd_data,
    input  wire         pkt_pop       // the head packet's length entry is consumed
);
    reg [255:0] mem [0:DEPTH-1];
    reg [AW:0]  wp, rp;
    reg [15:0]  lq [0:63];
    reg [6:0]   lw, lr;
    reg [15:0]  cur_len;
    reg         first;
    assign s_ready = (wp - rp) < DEPTH[AW:0] && (lw - lr) < 7'd64;
    assign pkt_avail = lw != lr;
    assign pkt_len = lq[lr[5:0]];
    assign rd_data = mem[rp[AW-1:0]];
    always @(posedge clk) begin
        if (rst) begin
            wp <= 0; rp <= 0; lw <= 0; lr <= 0; first <= 1'b1;
        end else begin
            if (s_valid && s_ready) begin
                mem[wp[AW-1:0]] <= s_data;
                wp <= wp + 1'b1;
                if (first) cur_len <= s_len;
                first <= s_last;
                if (s_last) begin
                    lq[lw[5:0]] <= first ? s_len : cur_len;
                    lw <= lw + 1'b1;
                end
            end
            if (rd) rp <= rp + 1'b1;
            if (pkt_pop) lr <= lr + 1'b1;
        end
    end
endmodule
