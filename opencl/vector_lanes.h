// Vector lanes shared by the row kernels: one work-item handles VW neighbouring centres or
// pixels of a row (VW = 8 on CPUs; 1 on GPUs, where work-items are the lanes). Kernels include
// it by name; the host inlines it before compiling (vesselscope/candidates/programs.py).
// LANE_INDEX: each lane's column offset from the work-item's first.
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
#define LANE_INDEX 0
#else
#define floatV CAT(float, VW)
#define intV CAT(int, VW)
#define LOADV(p) CAT(vload, VW)(0, p)
#define STOREV(v, p) CAT(vstore, VW)(v, 0, p)
#if VW == 2
#define LANE_INDEX ((int2)(0, 1))
#elif VW == 4
#define LANE_INDEX ((int4)(0, 1, 2, 3))
#elif VW == 8
#define LANE_INDEX ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#elif VW == 16
#define LANE_INDEX ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#else
#error "VW must be 1, 2, 4, 8 or 16"
#endif
#endif
