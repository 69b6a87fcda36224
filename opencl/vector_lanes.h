// Vector lanes shared by the row kernels: one work-item handles VW neighbouring centres or
// pixels of a row (VW = 8 on CPUs; 1 on GPUs, where work-items are the lanes). Kernels include
// it by name; the host inlines it before compiling (vesselscope/candidates/programs.py).
#ifndef VW
#define VW 8
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if VW == 1
#define floatV float
#define intV int
#define LOADV(p) (*(p))
#define STOREV(v, p) (*(p) = (v))
#else
#define floatV CAT(float, VW)
#define intV CAT(int, VW)
#define LOADV(p) CAT(vload, VW)(0, p)
#define STOREV(v, p) CAT(vstore, VW)(v, 0, p)
#endif
