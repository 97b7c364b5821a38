// SPDX-License-Identifier: MIT
// tritlut/dispatch/extension.hpp - your own kernels on tritlut's dispatch: one table of your
// functions per ISA, chosen by the library's one selection (TRITLUT_ISA, scoped_isa, the CPU).
// docs/dispatch.md, "Your own kernels on tritlut's dispatch", has the walkthrough.
//
// 1. A header with your kernels, generic over the ISA tag (overloads on the tags, or
//    `if constexpr` on Tag::id). The table type holds plain function pointers and lives outside
//    the target namespace (every TU shares it); the code lives inside it:
//
//      #include <tritlut/dispatch/extension.hpp>
//      namespace my {
//      struct ops { float (*sum)(const float* x, std::size_t n); };
//      inline namespace TRITLUT_TARGET_NS {
//      inline float sum(const float* x, std::size_t n, tritlut::isa::scalar) { ... }
//      #if TRITLUT_HAS_AVX2
//      inline float sum(const float* x, std::size_t n, tritlut::isa::avx2) { ... }  // avx512* too
//      #endif
//      template <class Tag> const ops& ops_for() noexcept {
//        static constexpr ops t{[](const float* x, std::size_t n) { return sum(x, n, Tag{}); }};
//        return t;
//      }
//      }  // namespace TRITLUT_TARGET_NS
//      }  // namespace my
//      TRITLUT_EXPORT_TABLE(::my::ops, ::my::ops_for);  // at global scope, qualified names
//
// 2. Runtime mode: `tritlut_add_kernels(app EXTRA_HEADERS my_kernels.hpp)` compiles the header in
//    each per-ISA TU (with that ISA's flags) and in the registry TU (scalar). Static mode (no
//    tritlut_add_kernels): include the header in the TU that calls the accessors below; the tables
//    are those of the tiers its flags enable.
// 3. `tritlut::active_user_table<my::ops>()` is the table of tritlut::active_isa();
//    `tritlut::user_table_for_isa<my::ops>(id)` the one of a given ISA (tritlut::error if it is not
//    compiled in or the CPU lacks it, with the library's messages).
//
// Why a table type and a maker in the target namespace: a function instantiated with AVX2 flags
// must not share a mangled name with a baseline copy (docs/dispatch.md, "Why the inline
// namespace"), and a TU in runtime mode reaches another TU's table only through a name that does
// not depend on the flags: tritlut::registry::user_table_of<Table, isa_id::X>, defined by
// TRITLUT_EXPORT_TABLE in the TU of ISA X.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "../error.hpp"
#include "../isa/isa.hpp"
#include "dispatch.hpp"

namespace tritlut {
namespace registry {
// Table for ISA Id: defined by TRITLUT_EXPORT_TABLE in the generated TU of that ISA.
template <class Table, isa_id Id>
const Table* user_table_of() noexcept;
// Table for any ISA, nullptr where the ISA is not compiled in: defined by TRITLUT_EXPORT_TABLE in
// the generated registry TU (the one place that knows this program's ISA list).
template <class Table>
const Table* user_table_lookup(isa_id id) noexcept;
}  // namespace registry
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace detail {

// Specialised by TRITLUT_EXPORT_TABLE: get<Tag>() is the user's maker for Table.
template <class Table>
struct user_table_maker;

template <class Table, class Tag>
const Table* static_user_table() noexcept {
  if constexpr (isa_compiled(Tag::id)) return &user_table_maker<Table>::template get<Tag>();
  else return nullptr;
}

// Every ISA's Table in this program, indexed by isa_id (nullptr where not compiled in), gathered
// once: from the registry in runtime mode, from this TU's tiers in static mode.
template <class Table>
const Table* user_table_ptr(isa_id id) noexcept {
  using list = std::array<const Table*, isa_count>;
  static const list all = [] {
    list a{};
    if constexpr (TRITLUT_RUNTIME_DISPATCH) {
      for (int i = 0; i < isa_count; ++i)
        a[static_cast<std::size_t>(i)] = ::tritlut::registry::user_table_lookup<Table>(static_cast<isa_id>(i));
    } else {
      a = list{static_user_table<Table, isa::scalar>(),      static_user_table<Table, isa::sse41>(),
               static_user_table<Table, isa::avx2>(),        static_user_table<Table, isa::avx512>(),
               static_user_table<Table, isa::avx512_vnni>(), static_user_table<Table, isa::neon>(),
               static_user_table<Table, isa::neon_dotprod>()};
    }
    return a;
  }();
  static_assert(isa_count == 7, "a new ISA needs its tag in the static-mode list above");
  return all[static_cast<std::size_t>(id)];
}

[[noreturn]] inline void missing_user_table(isa_id id) {
  throw error("no user table for ISA '" + std::string(isa_name(id)) +
              "': is its header in tritlut_add_kernels(... EXTRA_HEADERS) of this program?");
}

}  // namespace detail

// The Table of the ISA that runs (tritlut::active_isa()).
template <class Table>
const Table& active_user_table() {
  const isa_id id = active_isa();
  const Table* t = detail::user_table_ptr<Table>(id);
  if (TRITLUT_UNLIKELY(!t)) detail::missing_user_table(id);
  return *t;
}

// The Table of ISA `id`; tritlut::error (the messages of table_for_isa) if it is not compiled
// into this program or the CPU does not support it.
template <class Table>
const Table& user_table_for_isa(isa_id id) {
  (void)table_for_isa(id);
  const Table* t = detail::user_table_ptr<Table>(id);
  if (!t) detail::missing_user_table(id);
  return *t;
}

TRITLUT_END_TARGET_NS

// ---- TRITLUT_EXPORT_TABLE(TABLE, MAKER);  at global scope. TABLE: the table type; MAKER: a
// function template, MAKER<Tag>() returning const TABLE&, declared in the target namespace. Both
// qualified from the global namespace, without top-level commas (use an alias).
// Its expansion depends on the TU: tritlut_add_kernels() defines TRITLUT_EXTENSION_ISA in each
// per-ISA TU and TRITLUT_EXTENSION_REGISTRY (the program's ISA list) in the registry TU.

#define TRITLUT_DETAIL_TABLE_MAKER(TABLE, MAKER)                      \
  TRITLUT_BEGIN_TARGET_NS                                              \
  namespace detail {                                                   \
  template <>                                                          \
  struct user_table_maker<TABLE> {                                     \
    template <class Tag>                                               \
    static const TABLE& get() noexcept {                               \
      return MAKER<Tag>();                                             \
    }                                                                  \
  };                                                                   \
  }                                                                    \
  TRITLUT_END_TARGET_NS

// Takes the user's semicolon.
#define TRITLUT_DETAIL_END_EXPORT(TABLE) \
  static_assert(sizeof(TABLE) > 0, "TRITLUT_EXPORT_TABLE: the table type must be complete")

#define TRITLUT_DETAIL_USER_TABLE_OF(TABLE, NAME)                                                  \
  template <>                                                                                       \
  const TABLE* user_table_of<TABLE, isa_id::NAME>() noexcept {                                      \
    static_assert(::tritlut::isa_compiled(isa_id::NAME), "this TU's flags do not enable the ISA"); \
    return &::tritlut::TRITLUT_TARGET_NS::detail::user_table_maker<TABLE>::get<::tritlut::isa::NAME>(); \
  }
#define TRITLUT_DETAIL_DECLARE_USER_TABLE_OF(TABLE, NAME) \
  template <>                                             \
  const TABLE* user_table_of<TABLE, isa_id::NAME>() noexcept;
#define TRITLUT_DETAIL_LOOKUP_CASE(TABLE, NAME) \
  if (id == isa_id::NAME) return user_table_of<TABLE, isa_id::NAME>();

#if defined(TRITLUT_EXTENSION_ISA)
// A per-ISA TU: this ISA's table.
#define TRITLUT_EXPORT_TABLE(TABLE, MAKER)                           \
  TRITLUT_DETAIL_TABLE_MAKER(TABLE, MAKER)                           \
  namespace tritlut {                                                \
  namespace registry {                                               \
  TRITLUT_DETAIL_USER_TABLE_OF(TABLE, TRITLUT_EXTENSION_ISA)         \
  }                                                                  \
  }                                                                  \
  TRITLUT_DETAIL_END_EXPORT(TABLE)
#elif defined(TRITLUT_EXTENSION_REGISTRY)
// The registry TU: the scalar table and the lookup over the program's ISAs.
#define TRITLUT_EXPORT_TABLE(TABLE, MAKER)                                       \
  TRITLUT_DETAIL_TABLE_MAKER(TABLE, MAKER)                                       \
  namespace tritlut {                                                            \
  namespace registry {                                                           \
  TRITLUT_EXTENSION_REGISTRY(TRITLUT_DETAIL_DECLARE_USER_TABLE_OF, TABLE)        \
  TRITLUT_DETAIL_USER_TABLE_OF(TABLE, scalar)                                    \
  template <>                                                                    \
  const TABLE* user_table_lookup<TABLE>(isa_id id) noexcept {                    \
    TRITLUT_EXTENSION_REGISTRY(TRITLUT_DETAIL_LOOKUP_CASE, TABLE)                \
    return nullptr;                                                              \
  }                                                                              \
  }                                                                              \
  }                                                                              \
  TRITLUT_DETAIL_END_EXPORT(TABLE)
#else
// Any other TU: the maker (static mode) and the registry's lookup (runtime mode).
#define TRITLUT_EXPORT_TABLE(TABLE, MAKER) \
  TRITLUT_DETAIL_TABLE_MAKER(TABLE, MAKER) \
  namespace tritlut {                      \
  namespace registry {                     \
  template <>                              \
  const TABLE* user_table_lookup<TABLE>(isa_id id) noexcept; \
  }                                        \
  }                                        \
  TRITLUT_DETAIL_END_EXPORT(TABLE)
#endif
