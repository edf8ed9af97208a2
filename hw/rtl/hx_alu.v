// hx_alu.v: one Sephirot lane's execution unit (IE stage), combinational.
// Computes the register result of ALU, 3-operand ALU, END, movsx and ldk words;
// loads arrive from ID in ld. Operation classes come from isa_props (isa_defs.vh).
module hx_alu #(
    parameter HAS_DIV = 0          // 1: 64-bit divide/modulo in this lane
) (
    input  wire [63:0] w,          // the lane word
    input  wire [7:0]  id,         // I_* of w
    input  wire [26:0] p,          // isa_props(id), looked up in IF
    input  wire [63:0] rd_dst,     // r[dst]
    input  wire [63:0] rd_src,     // r[src]
    input  wire [63:0] rd_src2,    // r[imm[3:0]] (ALU3_X)
    input  wire [63:0] kval,       // ldk: the constant
    input  wire [63:0] ld,         // load result from ID
    output reg  [63:0] res,
    output reg         wr          // the lane writes r[dst] with res
);
`include "isa_defs.vh"
    wire [5:0]  form = p[5:0];
    wire [3:0]  op = p[9:6];
    wire        sgn = p[10];
    wire        is64 = p[11];
    wire        kf = p[12];
    wire [7:0]  selv = p[25:18];
    wire        swap = p[26];
    wire [63:0] imm = {{32{w[63]}}, w[63:32]};

    // END: byte k of the result is byte k (no swap) or byte n-1-k (swap) of the low n
    // bytes, 0 above them; each output byte is one small mux on a select made once
    function [63:0] bswap(input [63:0] v, input [7:0] width, input sw);
        integer k;
        reg [3:0] nb;
        begin
            nb = width == 8'd16 ? 4'd2 : width == 8'd32 ? 4'd4 : 4'd8;
            bswap = 64'd0;
            for (k = 0; k < 8; k = k + 1)
                if (k < nb) bswap[k*8 +: 8] = sw ? v[(nb - 1 - k)*8 +: 8] : v[k*8 +: 8];
        end
    endfunction

    function [63:0] sext(input [63:0] v, input [7:0] width);
        begin
            sext = width == 8'd8 ? {{56{v[7]}}, v[7:0]} :
                   width == 8'd16 ? {{48{v[15]}}, v[15:0]} : {{32{v[31]}}, v[31:0]};
        end
    endfunction

    wire        three = form == F_ALU3_K || form == F_ALU3_X || form == F_NEG3;
    wire [63:0] a = three ? rd_src : rd_dst;
    wire [63:0] b = kf ? imm : three ? rd_src2 : rd_src;
    wire [63:0] sx = sext(rd_src, selv);

    // One 64-bit datapath serves both widths: a 32-bit op runs on its operands extended
    // to 64 bits (sign-extended where the result's low half depends on it: arsh, signed
    // divide) with a 5-bit shift count, and keeps the low half. The low 32 bits of a 64-bit
    // add, sub, mul, logic op or left shift depend only on the operands' low 32 bits.
    // Logical and arithmetic right shifts share one shifter (the fill bit differs).
    wire        sgx = op == 4'hc || sgn;            // arsh, sdiv, smod
    wire [63:0] ax = is64 ? a : {{32{sgx & a[31]}}, a[31:0]};
    wire [63:0] bx = is64 ? b : {{32{sgn & b[31]}}, b[31:0]};
    wire [5:0]  sh = is64 ? b[5:0] : {1'b0, b[4:0]};
    // One logarithmic right shifter for all three shifts; a left shift runs on the
    // bit-reversed operand. (Yosys maps a plain << / >>> to a 64:1 mux per bit.)
    function [63:0] rev64(input [63:0] x);
        integer k;
        for (k = 0; k < 64; k = k + 1) rev64[k] = x[63 - k];
    endfunction
    wire        left = op == 4'h6;
    wire        fill = op == 4'hc & ax[63];
    reg  [63:0] shv;
    always @* begin : shifter
        integer k;
        shv = left ? rev64(ax) : ax;
        for (k = 0; k < 6; k = k + 1)
            if (sh[k]) shv = (shv >> (1 << k)) | ({64{fill}} << (64 - (1 << k)));
    end
    wire [63:0] shr = left ? rev64(shv) : shv;
    // one adder for add, sub and neg: x + y + c
    wire        neg = op == 4'h8;
    wire        sub = op == 4'h1;
    wire [63:0] add_x = neg ? 64'd0 : ax;
    wire [63:0] add_y = neg ? ~ax : sub ? ~bx : bx;
    wire [63:0] sum = add_x + add_y + {63'd0, neg | sub};
    reg  [63:0] q, rm, r64;
    always @* begin
        q = 64'd0; rm = ax;
        if (HAS_DIV != 0 && bx != 64'd0) begin
            if (sgn) begin
                if (bx == {64{1'b1}}) begin q = -ax; rm = 64'd0; end
                else begin
                    q = $signed(ax) / $signed(bx);
                    rm = $signed(ax) % $signed(bx);
                end
            end else begin
                q = ax / bx; rm = ax % bx;
            end
        end
        case (op)
        4'h0, 4'h1, 4'h8: r64 = sum;
        4'h2: r64 = ax * bx;
        4'h3: r64 = q;
        4'h4: r64 = ax | bx;
        4'h5: r64 = ax & bx;
        4'h6, 4'h7, 4'hc: r64 = shr;
        4'h9: r64 = rm;
        4'ha: r64 = ax ^ bx;
        4'hb: r64 = bx;
        default: r64 = 64'd0;
        endcase
    end
    always @* begin
        res = 64'd0;
        wr = 1'b0;
        if (id != I_NONE) case (form)
        F_ALU_K, F_ALU_X, F_NEG, F_ALU3_K, F_ALU3_X, F_NEG3: begin
            wr = 1'b1;
            if (form == F_ALU_X && op == 4'hb && selv != 8'd0)   // movsx
                res = is64 ? sx : {32'd0, sx[31:0]};
            else
                res = is64 ? r64 : {32'd0, r64[31:0]};
        end
        F_END: begin wr = 1'b1; res = bswap(rd_dst, selv, swap); end
        F_LDK: begin wr = 1'b1; res = kval; end
        F_LDX, F_LDX6, F_LDXSPEC: begin wr = 1'b1; res = ld; end
        F_ATOMIC: res = ld;        // the fetched value (a fetching atomic's write, wr 0)
        default: ;
        endcase
    end
endmodule
