#pragma once

#include <cstdio>
#include <cstdlib>

// Invariant checks. AMAIMA_CHECK is always on and aborts with a message; use it
// only for conditions whose violation makes continuing unsafe (bugs), never for
// input or environment conditions. AMAIMA_DCHECK is compiled out with NDEBUG.
#define AMAIMA_CHECK(cond)                                                                   \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "AMAIMA_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

#ifdef NDEBUG
#define AMAIMA_DCHECK(cond) \
  do {                      \
  } while (false)
#else
#define AMAIMA_DCHECK(cond) AMAIMA_CHECK(cond)
#endif
