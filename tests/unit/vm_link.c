/* vm_link.c: engine.h declares vm_engine weak, and a weak reference does not pull vm.o
 * out of libhxdp.a. This strong one does (engine.h deliberately not included). */
struct engine_ops;
extern const struct engine_ops vm_engine;
const struct engine_ops *const vm_link = &vm_engine;
