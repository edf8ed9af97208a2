// hx_alu.v: one Sephirot lane's execution unit (IE stage), combinational.
// Computes the register result of ALU, 3-operand ALU, END, movsx and ldk words;
// loads arrive from ID in ld. Operation classes come from isa_props (isa_defs.vh).
module hx_alu #(
    parameter HAS_DIV = 0          // 1: 64-bit divide/modulo in this lane
) (
    input  wire [63:0] w,          // the lane word
    input  wire [7:0]  id,         // I_* of w
    input  wire [63:0] rd_dst,     // r[dst]
    input  wire [63:0] rd_src,     // r[src]
    input  wire [63:0] rd_src2,    // r[imm[3:0]] (ALU3_X)
    input  wire [63:0] kval,       // ldk: the constant
    input  wire [63:0] ld,         // load result from ID
    output reg  [63:0] res,
    output reg         wr          // the lane writes r[dst] with res
);
`include "isa_defs.vh"
    wire [26:0] p = isa_props(id);
    wire [5:0]  form = p[5:0];
    wire [3:0]  op = p[9:6];
    wire        sgn = p[10];
    wire        is64 = p[11];
    wire        kf = p[12];
    wire [7:0]  selv = p[25:18];
    wire        swap = p[26];
    wire [63:0] imm = {{32{w[63]}}, w[63:32]};

    function [63:0] alu64(input [3:0] o, input s, input [63:0] a, input [63:0] b);
        reg [63:0] q, r;
        begin
            q = 64'd0; r = a;
            if (HAS_DIV != 0 && b != 64'd0) begin
                if (s) begin
                    if (b == {64{1'b1}}) begin q = -a; r = 64'd0; end
                    else begin
                        q = $signed(a) / $signed(b);
                        r = $signed(a) % $signed(b);
                    end
                end else begin
                    q = a / b; r = a % b;
                end
            end
            case (o)
            4'h0: alu64 = a + b;
            4'h1: alu64 = a - b;
            4'h2: alu64 = a * b;
            4'h3: alu64 = q;
            4'h4: alu64 = a | b;
            4'h5: alu64 = a & b;
            4'h6: alu64 = a << b[5:0];
            4'h7: alu64 = a >> b[5:0];
            4'h8: alu64 = -a;
            4'h9: alu64 = r;
            4'ha: alu64 = a ^ b;
            4'hb: alu64 = b;
            4'hc: alu64 = $signed(a) >>> b[5:0];
            default: alu64 = 64'd0;
            endcase
        end
    endfunction

    function [31:0] alu32(input [3:0] o, input s, input [31:0] a, input [31:0] b);
        reg [31:0] q, r;
        begin
            q = 32'd0; r = a;
            if (HAS_DIV != 0 && b != 32'd0) begin
                if (s) begin
                    if (b == {32{1'b1}}) begin q = -a; r = 32'd0; end
                    else begin
                        q = $signed(a) / $signed(b);
                        r = $signed(a) % $signed(b);
                    end
                end else begin
                    q = a / b; r = a % b;
                end
            end
            case (o)
            4'h0: alu32 = a + b;
            4'h1: alu32 = a - b;
            4'h2: alu32 = a * b;
            4'h3: alu32 = q;
            4'h4: alu32 = a | b;
            4'h5: alu32 = a & b;
            4'h6: alu32 = a << b[4:0];
            4'h7: alu32 = a >> b[4:0];
            4'h8: alu32 = -a;
            4'h9: alu32 = r;
            4'ha: alu32 = a ^ b;
            4'hb: alu32 = b;
            4'hc: alu32 = $signed(a) >>> b[4:0];
            default: alu32 = 32'd0;
            endcase
        end
    endfunction

    function [63:0] bswap(input [63:0] v, input [7:0] width, input sw);
        begin
            if (!sw)
                bswap = width == 8'd16 ? {48'd0, v[15:0]} :
                        width == 8'd32 ? {32'd0, v[31:0]} : v;
            else if (width == 8'd16)
                bswap = {48'd0, v[7:0], v[15:8]};
            else if (width == 8'd32)
                bswap = {32'd0, v[7:0], v[15:8], v[23:16], v[31:24]};
            else
                bswap = {v[7:0], v[15:8], v[23:16], v[31:24], v[39:32], v[47:40],
                         v[55:48], v[63:56]};
        end
    endfunction

    function [63:0] sext(input [63:0] v, input [7:0] width);
        begin
            sext = width == 8'd8 ? {{56{v[7]}}, v[7:0]} :
                   width == 8'd16 ? {{48{v[15]}}, v[15:0]} : {{32{v[31]}}, v[31:0]};
        end
    endfunction

    reg [63:0] a, b, sx;
    always @* begin
        sx = sext(rd_src, selv);
        res = 64'd0;
        wr = 1'b0;
        a = rd_dst;
        b = kf ? imm : rd_src;
        if (form == F_ALU3_K || form == F_ALU3_X || form == F_NEG3) begin
            a = rd_src;
            b = kf ? imm : rd_src2;
        end
        if (id != I_NONE) case (form)
        F_ALU_K, F_ALU_X, F_NEG, F_ALU3_K, F_ALU3_X, F_NEG3: begin
            wr = 1'b1;
            if (form == F_ALU_X && op == 4'hb && selv != 8'd0)   // movsx
                res = is64 ? sx : {32'd0, sx[31:0]};
            else if (form == F_NEG)
                res = is64 ? -rd_dst : {32'd0, -rd_dst[31:0]};
            else
                res = is64 ? alu64(op, sgn, a, b) : {32'd0, alu32(op, sgn, a[31:0], b[31:0])};
        end
        F_END: begin wr = 1'b1; res = bswap(rd_dst, selv, swap); end
        F_LDK: begin wr = 1'b1; res = kval; end
        F_LDX, F_LDX6, F_LDXSPEC: begin wr = 1'b1; res = ld; end
        default: ;
        endcase
    end
endmodule
