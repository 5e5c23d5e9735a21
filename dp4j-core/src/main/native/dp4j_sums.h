/*
 * One variant of a unit's sum of squares for dp4j_ops.c, which includes this file once per
 * instruction set with SUMS_NAME, SUMS_TARGET, VL (floats per register), VEC (a vector type of VL
 * floats) and KB defined, and undefines them here.
 *
 * For each block of 2*KB kernel entries and VL filters, or KB entries and 2*VL filters, one pass
 * over every output position of every example of the unit keeps the block's float32 sums in 2*KB
 * registers: 16 of AVX-512's 32, 8 of AVX2's 16, 8 of SSE2's 16. Each entry's square is then added
 * in float64, and with out not NULL the entry is stored at out[entry * f + filter]; entries past
 * the kernel (k) are skipped, filters past f are zero.
 */
__attribute__((target(SUMS_TARGET))) static double SUMS_NAME(
    const Work* wk, const float* xp, const float* gp, const int64_t* base, const int64_t* off,
    float* out) {
  const Attrs* a = wk->attrs;
  int64_t c = wk->c, f = wk->f;
  int64_t hp = (wk->ho - 1) * a->sh + a->kh, wp = (wk->wo - 1) * a->sw + a->kw;
  int64_t fp = (f + LANES - 1) / LANES * LANES, positions = wk->ho * wk->wo;
  int64_t k = a->kh * a->kw * c;
  double sum = 0;
  int64_t f0 = 0;
  for (; f0 + 2 * VL <= fp; f0 += 2 * VL) {
    for (int64_t k0 = 0; k0 < k; k0 += KB) {
      VEC lo[KB], hi[KB];
      for (int j = 0; j < KB; j++) lo[j] = hi[j] = (VEC){0};
      const int64_t* o = off + k0;
      for (int64_t e = 0; e < wk->group; e++) {
        const float* xe = xp + e * hp * wp * c;
        const float* ge = gp + e * positions * fp + f0;
        for (int64_t t = 0; t < positions; t++) {
          VEC g0 = *(const VEC*)(ge + t * fp), g1 = *(const VEC*)(ge + t * fp + VL);
          const float* xb = xe + base[t];
          for (int j = 0; j < KB; j++) {
            float v = xb[o[j]];
            lo[j] += v * g0;
            hi[j] += v * g1;
          }
        }
      }
      for (int j = 0; j < KB && k0 + j < k; j++) {
        for (int l = 0; l < VL; l++) sum += (double)lo[j][l] * lo[j][l] + (double)hi[j][l] * hi[j][l];
        if (out) {
          for (int l = 0; l < VL && f0 + l < f; l++) out[(k0 + j) * f + f0 + l] = lo[j][l];
          for (int l = 0; l < VL && f0 + VL + l < f; l++) out[(k0 + j) * f + f0 + VL + l] = hi[j][l];
        }
      }
    }
  }
  for (; f0 < fp; f0 += VL) {
    for (int64_t k0 = 0; k0 < k; k0 += 2 * KB) {
      VEC acc[2 * KB];
      for (int j = 0; j < 2 * KB; j++) acc[j] = (VEC){0};
      const int64_t* o = off + k0;
      for (int64_t e = 0; e < wk->group; e++) {
        const float* xe = xp + e * hp * wp * c;
        const float* ge = gp + e * positions * fp + f0;
        for (int64_t t = 0; t < positions; t++) {
          VEC g = *(const VEC*)(ge + t * fp);
          const float* xb = xe + base[t];
          for (int j = 0; j < 2 * KB; j++) acc[j] += xb[o[j]] * g;
        }
      }
      for (int j = 0; j < 2 * KB && k0 + j < k; j++) {
        for (int l = 0; l < VL; l++) sum += (double)acc[j][l] * acc[j][l];
        if (out) {
          for (int l = 0; l < VL && f0 + l < f; l++) out[(k0 + j) * f + f0 + l] = acc[j][l];
        }
      }
    }
  }
  return sum;
}

#undef SUMS_NAME
#undef SUMS_TARGET
#undef KB
#undef VL
#undef VEC
