// Refinement at full resolution: the fitness of shape variants of each winner.
// NumPy reference: vesselscope/candidates/reference_refine.py; the host (refine.py) picks the
// best variant and shrinks the steps between rounds. Few winners, so plain bilinear reads.
#pragma OPENCL FP_CONTRACT OFF

// The gradient carries a zero border of 2 px (`stride` wide): clamping the position to 1.5 px
// outside the frame then reads only zeros out there, exactly "no evidence outside the frame",
// without a bounds check per tap.
inline float bilinear(__global const float *image, const int stride, const int rows,
                      const int cols, float x, float y)
{
    x = clamp(x, -1.5f, (float)cols + 0.5f);
    y = clamp(y, -1.5f, (float)rows + 0.5f);
    const float fx = floor(x);
    const float fy = floor(y);
    const float tx = x - fx;
    const float ty = y - fy;
    const int i = ((int)fy + 2) * stride + (int)fx + 2;
    const float top = image[i] * (1.0f - tx) + image[i + 1] * tx;
    const float bottom = image[i + stride] * (1.0f - tx) + image[i + stride + 1] * tx;
    return top * (1.0f - ty) + bottom * ty;
}

// Bilinear weight of the taps in [0, size) of a sample at `position`.
inline float in_frame(const float position, const int size)
{
    return clamp(fmin(position + 1.0f, (float)size - position), 0.0f, 1.0f);
}

// params: 16 floats per winner (cx, cy, a, b, angle_deg, angle step, size ratio q, cap on each
// sample's edge step, cos of angle - step, angle, angle + step, then their sin, unused).
// Variant v (get_global_id(0) < n_variants) moves (a, b, angle) by moves[3 v + i] in
// {-1, 0, 1} steps: a, b by the ratio q, the angle by its step.
// With min_in_view below n_samples, an outline running off the frame is scored by the mean of
// its samples in view, once at least min_in_view are (a sample within a pixel of the edge is in
// view by the bilinear weight of its taps in the frame).
// Global size: (n_variants rounded up to a multiple of 8, winners).
__kernel void refine_variants(__global const float *gx, __global const float *gy,
                              const int stride, const int rows, const int cols,
                              __global const float *params, __constant int *moves,
                              const int n_variants,
                              __constant float *cos_t, __constant float *sin_t,
                              const int n_samples, const float inv_samples,
                              const int min_in_view, __global float *fitness)
{
    const int v = get_global_id(0);
    const int w = get_global_id(1);
    if (v >= n_variants) {
        return;
    }
    __global const float *p = params + 16 * w;
    __constant int *m = moves + 3 * v;
    const float q = p[6];
    const float edge_cap = p[7];
    const float cx = p[0];
    const float cy = p[1];
    const float a = m[0] < 0 ? p[2] / q : (m[0] > 0 ? p[2] * q : p[2]);
    const float b = m[1] < 0 ? p[3] / q : (m[1] > 0 ? p[3] * q : p[3]);
    const float c = p[9 + m[2]];
    const float s = p[12 + m[2]];
    float total = 0.0f;
    float seen = 0.0f;
    for (int j = 0; j < n_samples; ++j) {
        const float u = a * cos_t[j];
        const float t = b * sin_t[j];
        const float x = cx + (u * c - t * s);
        const float y = cy + (u * s + t * c);
        const float nu = cos_t[j] / a;
        const float nv = sin_t[j] / b;
        float nx = nu * c - nv * s;
        float ny = nu * s + nv * c;
        const float length = sqrt(nx * nx + ny * ny);
        nx = nx / length;
        ny = ny / length;
        const float step = bilinear(gx, stride, rows, cols, x, y) * nx
                           + bilinear(gy, stride, rows, cols, x, y) * ny;
        total += fmin(step, edge_cap);
        seen += in_frame(x, cols) * in_frame(y, rows);
    }
    fitness[w * n_variants + v] = min_in_view < n_samples ? total / fmax(seen, (float)min_in_view)
                                                          : total * inv_samples;
}
