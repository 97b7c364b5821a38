// SPDX-License-Identifier: MIT
// tritlut/dispatch/dispatch.hpp - choosing the kernel table: static or runtime mode, forcing an ISA.
//
// Static mode (default): the tables of every tier up to the best one this TU's flags enable
// (e.g. -mavx2 -mfma -mf16c: scalar, sse41, avx2), instantiated right here.
// Runtime mode (TRITLUT_RUNTIME_DISPATCH=1, set by tritlut_add_kernels()): the tables come from
// per-ISA TUs listed by a generated registry, so a baseline-compiled program runs the best
// kernels the CPU has.
// The active table is chosen once, on first use: TRITLUT_ISA if set (an unknown or unsupported
// name is an error, never a SIGILL), else the best table the CPU supports. scoped_isa overrides it
// for a scope (tests, benchmarks).
#pragma once

#include <atomic>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../error.hpp"
#include "../isa/cpu.hpp"
#include "table.hpp"

#ifndef TRITLUT_RUNTIME_DISPATCH
#define TRITLUT_RUNTIME_DISPATCH 0
#endif

#if TRITLUT_RUNTIME_DISPATCH
namespace tritlut {
// Not `detail`: that name is also declared inside the inline target namespace, and reopening it
// here would land in the target namespace. Symbols shared across per-ISA TUs live in `registry`.
namespace registry {
// Defined by the registry TU that tritlut_add_kernels() generates: the compiled tables, best last.
const kernel_table* const* runtime_kernel_tables(std::size_t* count) noexcept;
}  // namespace registry
}  // namespace tritlut
#else
#include "instantiate.hpp"
#endif

TRITLUT_BEGIN_TARGET_NS
namespace detail {

struct table_list {
  const kernel_table* const* tables;
  std::size_t count;
};

// Every table compiled into this program (whether or not the CPU can run it), in preference order.
#if TRITLUT_RUNTIME_DISPATCH
inline table_list compiled_tables() noexcept {
  table_list l{nullptr, 0};
  l.tables = ::tritlut::registry::runtime_kernel_tables(&l.count);
  return l;
}
#else
// Static mode: Tag and the tiers below it (Tag::lower, down to scalar), worst first, then Above.
template <class Tag, class... Above>
inline table_list tables_up_to() noexcept {
  if constexpr (std::is_same_v<Tag, isa::scalar>) {
    static const kernel_table* const list[] = {&table_for<isa::scalar>(), &table_for<Above>()...};
    return {list, 1 + sizeof...(Above)};
  } else {
    return tables_up_to<typename Tag::lower, Tag, Above...>();
  }
}
inline table_list compiled_tables() noexcept { return tables_up_to<isa::best>(); }
#endif

inline const kernel_table* find_compiled(isa_id id) noexcept {
  const table_list l = compiled_tables();
  for (std::size_t i = 0; i < l.count; ++i)
    if (l.tables[i]->isa == id) return l.tables[i];
  return nullptr;
}

inline std::string isa_list_string(const std::vector<isa_id>& v) {
  std::string s;
  for (isa_id id : v) {
    if (!s.empty()) s += ", ";
    s += isa_name(id);
  }
  return s;
}

}  // namespace detail

// ISAs whose kernels are in this program and that the running CPU supports, worst to best.
inline std::vector<isa_id> available_isas() {
  std::vector<isa_id> v;
  const detail::table_list l = detail::compiled_tables();
  for (std::size_t i = 0; i < l.count; ++i)
    if (cpu_supports(l.tables[i]->isa)) v.push_back(l.tables[i]->isa);
  return v;
}

// ISAs whose kernels are in this program (the CPU may lack some of them).
inline std::vector<isa_id> compiled_isas() {
  std::vector<isa_id> v;
  const detail::table_list l = detail::compiled_tables();
  for (std::size_t i = 0; i < l.count; ++i) v.push_back(l.tables[i]->isa);
  return v;
}

// The table for `id`, or a tritlut::error that says why it cannot be used.
inline const kernel_table& table_for_isa(isa_id id) {
  const kernel_table* t = detail::find_compiled(id);
  if (!t)
    throw error("ISA '" + std::string(isa_name(id)) + "' is not compiled into this program (compiled: " +
                detail::isa_list_string(compiled_isas()) + ")");
  if (!cpu_supports(id))
    throw error("this CPU does not support ISA '" + std::string(isa_name(id)) + "' (available: " +
                detail::isa_list_string(available_isas()) + ")");
  return *t;
}

inline const kernel_table& table_for_isa(std::string_view name) {
  isa_id id{};
  if (!parse_isa_name(name, id))
    throw error("unknown ISA '" + std::string(name) + "' (known: " + isa_name_list() + ")");
  return table_for_isa(id);
}

namespace detail {

inline const kernel_table& default_table() {
  if (const char* env = std::getenv("TRITLUT_ISA"); env && *env) {
    try {
      return table_for_isa(std::string_view(env));
    } catch (const error& e) {
      throw error(std::string("TRITLUT_ISA=") + env + ": " + (e.what() + 9));  // drop the "tritlut: " prefix
    }
  }
  const std::vector<isa_id> av = available_isas();
  return *find_compiled(av.back());  // scalar is always there
}

// The one piece of global mutable state: the active table, chosen once, swapped by scoped_isa.
inline std::atomic<const kernel_table*>& active_slot() noexcept {
  static std::atomic<const kernel_table*> slot{nullptr};
  return slot;
}

}  // namespace detail

// The kernel table in use (chosen on first call).
inline const kernel_table& active_table() {
  const kernel_table* t = detail::active_slot().load(std::memory_order_acquire);
  if (TRITLUT_UNLIKELY(!t)) {
    const kernel_table* chosen = &detail::default_table();
    const kernel_table* expected = nullptr;
    detail::active_slot().compare_exchange_strong(expected, chosen, std::memory_order_acq_rel);
    t = detail::active_slot().load(std::memory_order_acquire);
  }
  return *t;
}

inline isa_id active_isa() { return active_table().isa; }
inline std::string_view active_isa_name() { return isa_name(active_isa()); }

// Forces an ISA for the lifetime of the object (tests, benchmarks, --isa). Throws tritlut::error if
// the ISA is unknown, not compiled in, or not supported by this CPU. Not meant for concurrent use
// from several threads: the override is process-wide.
class scoped_isa {
 public:
  explicit scoped_isa(isa_id id) : prev_(&active_table()) { set(table_for_isa(id)); }
  explicit scoped_isa(std::string_view name) : prev_(&active_table()) { set(table_for_isa(name)); }
  ~scoped_isa() { detail::active_slot().store(prev_, std::memory_order_release); }
  scoped_isa(const scoped_isa&) = delete;
  scoped_isa& operator=(const scoped_isa&) = delete;

 private:
  static void set(const kernel_table& t) { detail::active_slot().store(&t, std::memory_order_release); }
  const kernel_table* prev_;
};

TRITLUT_END_TARGET_NS
