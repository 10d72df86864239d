/* A C99 program that uses somas through its C ABI only: build a pool from
 * JSON, step it, read spikes and potentials, write a potential and a
 * parameter, checkpoint and restore, and check the errors it gets back.
 *
 *   cc -std=c99 pool_demo.c $(pkg-config --cflags --libs somas) -o pool_demo
 *
 * It exits 0 when every check holds, and names the first that does not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <somas/somas_c.h>

#define N 100

static int failures = 0;

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "pool_demo: check failed at line %d: %s (%s)\n", __LINE__, #cond, \
              somas_last_error());                               \
      ++failures;                                                \
    }                                                            \
  } while (0)

int main(int argc, char** argv) {
  const char* checkpoint = argc > 1 ? argv[1] : "pool_demo.ckpt";
  somas_pool* pool = NULL;
  float current[N], v[N], v2[N];
  uint32_t spikes[N];
  size_t count = 0, total = 0, t, i;

  printf("somas %s, SIMD target %s (usable: %s)\n", somas_version(), somas_simd_target(),
         somas_available_targets());
  /* Limiting the target: the last usable one (the portable fallback), a bad
   * name refused with the usable ones listed, then back to the best. */
  {
    const char* all = somas_available_targets();
    const char* last = strrchr(all, ',') ? strrchr(all, ',') + 1 : all;
    CHECK(strncmp(all, somas_simd_target(), strlen(somas_simd_target())) == 0);
    CHECK(somas_set_simd_target(last) == SOMAS_OK && strcmp(somas_simd_target(), last) == 0);
    CHECK(somas_set_simd_target("AVX9") == SOMAS_ERR_INVALID);
    CHECK(strstr(somas_last_error(), "AVX9") && strstr(somas_last_error(), last));
    CHECK(strcmp(somas_simd_target(), last) == 0);
    CHECK(somas_set_simd_target(NULL) == SOMAS_ERR_ARGUMENT);
    CHECK(somas_set_simd_target("auto") == SOMAS_OK);
    CHECK(strncmp(all, somas_simd_target(), strlen(somas_simd_target())) == 0);
  }
  CHECK(strstr(somas_models_json(), "\"AdaptiveExponentialSoma\"") != NULL);

  CHECK(somas_pool_create("{\"model\": \"AdaptiveExponentialSoma\", \"size\": 100, \"dt\": 0.5,"
                          " \"seed\": 3, \"params\": {\"adaptation_delta\": 10,"
                          " \"potential_tau\": {\"kind\": \"uniform\", \"min\": 15, \"max\": 25}}}",
                          &pool) == SOMAS_OK);
  if (!pool) return 1;
  CHECK(somas_pool_size(pool) == N);
  CHECK(strcmp(somas_pool_model(pool), "AdaptiveExponentialSoma") == 0);

  for (i = 0; i < N; ++i) current[i] = 300.0f + 4.0f * (float)i;
  for (t = 0; t < 200; ++t) {
    CHECK(somas_pool_step(pool, current, N) == SOMAS_OK);
    CHECK(somas_pool_spike_indices(pool, spikes, N, &count) == SOMAS_OK);
    for (i = 1; i < count; ++i) CHECK(spikes[i - 1] < spikes[i]);
    for (i = 0; i < count; ++i) CHECK(somas_pool_spike_bits(pool)[spikes[i] / 8] >> (spikes[i] % 8) & 1);
    total += count;
  }
  printf("spikes in 200 steps: %zu\n", total);
  CHECK(total > 0);

  /* Writes, in user units. */
  for (i = 0; i < N; ++i) v[i] = -70.0f + 0.1f * (float)i;
  CHECK(somas_pool_set_potentials(pool, v, N) == SOMAS_OK);
  CHECK(somas_pool_potentials(pool, v2, N) == SOMAS_OK);
  for (i = 0; i < N; ++i) CHECK(fabsf(v2[i] - v[i]) < 1e-4f);
  CHECK(somas_pool_set_param(pool, "adaptation_tau", 150.0) == SOMAS_OK);
  CHECK(somas_pool_get_param(pool, "adaptation_tau", v2, N) == SOMAS_OK && v2[7] == 150.0f);
  CHECK(somas_pool_set_state_at(pool, "adaptation", 5, 42.0f) == SOMAS_OK);
  CHECK(somas_pool_get_state(pool, "adaptation", v2, N) == SOMAS_OK && v2[5] == 42.0f);

  /* Checkpoint, step on, restore, step again: the same potentials. */
  CHECK(somas_pool_save(pool, checkpoint) == SOMAS_OK);
  for (t = 0; t < 20; ++t) CHECK(somas_pool_step(pool, current, N) == SOMAS_OK);
  CHECK(somas_pool_potentials(pool, v, N) == SOMAS_OK);
  CHECK(somas_pool_load(pool, checkpoint) == SOMAS_OK);
  for (t = 0; t < 20; ++t) CHECK(somas_pool_step(pool, current, N) == SOMAS_OK);
  CHECK(somas_pool_potentials(pool, v2, N) == SOMAS_OK);
  CHECK(memcmp(v, v2, sizeof v) == 0);

  /* Threads: the same bits on one thread as on all; two pools in one region. */
  {
    somas_pool* twin = NULL;
    somas_pool* pools[2];
    const float* currents[2];
    size_t sizes[2] = {N, N};
    CHECK(somas_set_threads(1) == SOMAS_OK && somas_threads() == 1);
    CHECK(somas_pool_clone(pool, &twin) == SOMAS_OK);
    pools[0] = pool;
    pools[1] = twin;
    currents[0] = current;
    currents[1] = current;
    CHECK(somas_step_pools(pools, currents, sizes, 2) == SOMAS_OK);
    CHECK(somas_pool_potentials(pool, v, N) == SOMAS_OK);
    CHECK(somas_pool_potentials(twin, v2, N) == SOMAS_OK);
    CHECK(memcmp(v, v2, sizeof v) == 0);
    pools[1] = pool;
    CHECK(somas_step_pools(pools, currents, sizes, 2) == SOMAS_ERR_INVALID);
    CHECK(strstr(somas_last_error(), "same pool") != NULL);
    CHECK(somas_set_threads(0) == SOMAS_OK && somas_threads() >= 1);
    somas_pool_destroy(twin);
  }

  /* Errors: codes and messages, nothing changed. */
  CHECK(somas_pool_set_param(pool, "potential_tau", -1.0) == SOMAS_ERR_INVALID);
  CHECK(strstr(somas_last_error(), "potential_tau") != NULL);
  CHECK(somas_pool_step(NULL, current, N) == SOMAS_ERR_ARGUMENT);
  CHECK(somas_pool_step(pool, current, N - 1) == SOMAS_ERR_INVALID);
  CHECK(somas_pool_spike_indices(pool, NULL, 0, NULL) == SOMAS_ERR_ARGUMENT);
  current[3] = NAN;
  CHECK(somas_pool_step(pool, current, N) == SOMAS_ERR_NONFINITE);
  CHECK(strstr(somas_last_error(), "neuron 3") != NULL);
  CHECK(somas_pool_create("{\"model\": \"LeakySom\", \"size\": 1}", NULL) == SOMAS_ERR_ARGUMENT);
  {
    somas_pool* other = (somas_pool*)1;
    CHECK(somas_pool_create("{\"model\": \"LeakySom\", \"size\": 1}", &other) == SOMAS_ERR_INVALID);
    CHECK(other == NULL);
    CHECK(strstr(somas_last_error(), "did you mean \"LeakySoma\"") != NULL);
    CHECK(somas_pool_create("{\"model\": \"LeakySoma\", \"size\": 3}", &other) == SOMAS_OK);
    CHECK(somas_pool_load(other, checkpoint) == SOMAS_ERR_CHECKPOINT);
    somas_pool_destroy(other);
  }
  somas_pool_destroy(pool);
  somas_pool_destroy(NULL);
  remove(checkpoint);
  printf("%s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
