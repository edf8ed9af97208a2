/* xlate_hdrs.c: the headers translated images are compiled against (xlate.c), as this
 * binary was built, so the generated code and the host agree on every structure. The
 * paths are relative to the tree's root, where make runs the compiler. */
__asm__(".pushsection .rodata\n"
	".globl xl_hdr_env, xl_hdr_mem, xl_hdr_xdp, xl_hdr_sem, xl_hdr_sim, xl_hdr_rt\n"
	".hidden xl_hdr_env, xl_hdr_mem, xl_hdr_xdp, xl_hdr_sem, xl_hdr_sim, xl_hdr_rt\n"
	"xl_hdr_env: .incbin \"src/env.h\"\n.byte 0\n"
	"xl_hdr_mem: .incbin \"src/mem.h\"\n.byte 0\n"
	"xl_hdr_xdp: .incbin \"src/xdp.h\"\n.byte 0\n"
	"xl_hdr_sem: .incbin \"src/sem.h\"\n.byte 0\n"
	"xl_hdr_sim: .incbin \"src/sim.h\"\n.byte 0\n"
	"xl_hdr_rt: .incbin \"src/xlate_rt.h\"\n.byte 0\n"
	".popsection\n");
