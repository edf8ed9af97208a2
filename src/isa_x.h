/* isa_x.h: expand isa.h's table with the caller's X, then forget X */
#include "isa.h"
ISA_TABLE(X)
#undef X
