// Working-resolution pyramid: each level pixel is the mean of a block of the finer image.
// NumPy reference: vesselscope/candidates/reference_gradient.py (live_image, bin_image).
// Values and the "live" share (pixels inside the scanner's image area) are binned together.
#pragma OPENCL FP_CONTRACT OFF

// Dead pixels (below dead_level: black borders) become 0 in both planes.
__kernel void live_input(__global const float *image, const float dead_level,
                         __global float *values, __global float *live)
{
    const int i = get_global_id(0);
    const float v = image[i];
    const float l = v >= dead_level ? 1.0f : 0.0f;
    values[i] = v * l;
    live[i] = l;
}

// One work-item per output pixel (x, y); the output is get_global_size(0) wide.
__kernel void bin_mean(__global const float *src_values, __global const float *src_live,
                       const int src_cols, const int bin_rows, const int bin_cols,
                       const float inv_area,
                       __global float *values, __global float *live)
{
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    float total_v = 0.0f;
    float total_l = 0.0f;
    for (int i = 0; i < bin_rows; ++i) {
        const int row = (y * bin_rows + i) * src_cols + x * bin_cols;
        for (int j = 0; j < bin_cols; ++j) {
            total_v += src_values[row + j];
            total_l += src_live[row + j];
        }
    }
    const int out = y * get_global_size(0) + x;
    values[out] = total_v * inv_area;
    live[out] = total_l * inv_area;
}
