// Early returns on error, for functions returning absl::Status or StatusOr.
#ifndef MESHUP_SRC_STATUS_MACROS_H_
#define MESHUP_SRC_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MESHUP_STATUS_CONCAT_INNER(a, b) a##b
#define MESHUP_STATUS_CONCAT(a, b) MESHUP_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` when it is not OK.
#define MESHUP_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status meshup_status_ = (expr);          \
    if (!meshup_status_.ok()) return meshup_status_; \
  } while (0)

// Evaluates `expr` (a StatusOr); returns its status when not OK, else moves
// its value into `lhs`, which may be a declaration.
#define MESHUP_ASSIGN_OR_RETURN(lhs, expr) \
  MESHUP_ASSIGN_OR_RETURN_IMPL(MESHUP_STATUS_CONCAT(meshup_statusor_, __LINE__), lhs, expr)
#define MESHUP_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return statusor.status();           \
  lhs = *std::move(statusor)

#endif  // MESHUP_SRC_STATUS_MACROS_H_
