// control/config/schema_fields.h — builders for schema rows.
//
// Owns: turning "this key binds that member" into a KeySpec whose FieldAccess
// stores into, resets and renders the member. Each builder checks at compile time that the member
// can hold what the value kind produces (and, for integers, the whole range),
// so a row can never store into the wrong type at run time.
// May call: control/config/schema.h. Included only by schema_table.cc.
#pragma once

#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "control/config/schema.h"

namespace sluice::control::config::fields {

// Splits a pointer-to-member into the struct it belongs to and its type.
template <auto Member>
struct MemberOf;
template <class Owner, class Field, Field Owner::*Member>
struct MemberOf<Member> {
  using owner = Owner;
  using field = Field;
};

template <auto Member>
using FieldType = typename MemberOf<Member>::field;

template <auto Member>
void store_member(void* target, BoundValue&& value) {
  using Field = FieldType<Member>;
  Field& slot = static_cast<typename MemberOf<Member>::owner*>(target)->*Member;
  if constexpr (std::is_same_v<Field, bool>) {
    slot = *std::get_if<bool>(&value);
  } else if constexpr (std::is_enum_v<Field>) {
    slot = static_cast<Field>(*std::get_if<uint8_t>(&value));
  } else if constexpr (std::is_integral_v<Field>) {
    slot = static_cast<Field>(*std::get_if<int64_t>(&value));
  } else {
    slot = std::move(*std::get_if<Field>(&value));
  }
}

template <auto Member>
void reset_member(void* target) {
  using Owner = typename MemberOf<Member>::owner;
  static_cast<Owner*>(target)->*Member = Owner{}.*Member;
}

// Toggle, Choice and NamedNumber show the first word with the member's value,
// so an alias listed after its canonical word ('block' after 'reject') is never
// shown. A value no word names (a member set in code, not from text) shows as
// its number, which reloading then refuses rather than silently changes.
inline std::string word_for(const KeySpec& key, int64_t value) {
  for (const EnumWord& word : key.words) {
    if (word.value == value) return std::string(word.word);
  }
  return std::to_string(value);
}

template <auto Member>
std::vector<std::string> render_member(const void* target, const KeySpec& key) {
  using Field = FieldType<Member>;
  const Field& slot = static_cast<const typename MemberOf<Member>::owner*>(target)->*Member;
  if constexpr (std::is_same_v<Field, bool> || std::is_enum_v<Field>) {
    return {word_for(key, static_cast<uint8_t>(slot))};
  } else if constexpr (std::is_integral_v<Field>) {
    if (key.kind == ValueKind::NamedNumber) return {word_for(key, static_cast<int64_t>(slot))};
    return {std::to_string(slot)};
  } else if constexpr (std::is_same_v<Field, std::string>) {
    return {slot};
  } else {
    std::vector<std::string> words;
    for (const auto& item : slot) {
      if constexpr (std::is_same_v<std::decay_t<decltype(item)>, std::string>) {
        words.push_back(item);
      } else {
        words.push_back(std::to_string(item));
      }
    }
    return words;
  }
}

template <auto Member>
constexpr FieldAccess access() {
  return FieldAccess{&store_member<Member>, &reset_member<Member>, &render_member<Member>};
}

template <auto Member, int64_t Min, int64_t Max>
constexpr KeySpec integer(std::string_view name, std::string_view help) {
  using Field = FieldType<Member>;
  static_assert(std::is_integral_v<Field> && !std::is_same_v<Field, bool>, "integer keys bind integer members");
  static_assert(Min <= Max, "empty range");
  static_assert(std::cmp_greater_equal(Min, std::numeric_limits<Field>::min()) &&
                    std::cmp_less_equal(Max, std::numeric_limits<Field>::max()),
                "range does not fit the member");
  return KeySpec{name, ValueKind::Integer, Min, Max, {}, false, help, access<Member>()};
}

template <auto Member>
constexpr KeySpec toggle(std::string_view name, std::span<const EnumWord> words, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, bool>, "toggle keys bind bool members");
  return KeySpec{name, ValueKind::Toggle, 0, 0, words, false, help, access<Member>()};
}

template <auto Member>
constexpr KeySpec choice(std::string_view name, std::span<const EnumWord> words, std::string_view help) {
  static_assert(std::is_enum_v<FieldType<Member>> && sizeof(FieldType<Member>) == 1, "choice keys bind uint8_t enums");
  return KeySpec{name, ValueKind::Choice, 0, 0, words, false, help, access<Member>()};
}

// An integer member set by name (min-version tls1.2 -> 0x0303). The member
// must hold every EnumWord value (uint16_t), checked at compile time.
template <auto Member>
constexpr KeySpec named_number(std::string_view name, std::span<const EnumWord> words, std::string_view help) {
  using Field = FieldType<Member>;
  static_assert(std::is_integral_v<Field> && !std::is_same_v<Field, bool>, "named numbers bind integer members");
  static_assert(std::cmp_greater_equal(std::numeric_limits<Field>::max(), std::numeric_limits<uint16_t>::max()),
                "named numbers store EnumWord values (uint16_t)");
  return KeySpec{name, ValueKind::NamedNumber, 0, 0, words, false, help, access<Member>()};
}

// One word of a fixed list kept as the word (syslog facility names are the
// collector's vocabulary, not an enum the daemon switches on).
template <auto Member>
constexpr KeySpec keyword(std::string_view name, std::span<const EnumWord> words, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::string>, "keyword keys bind std::string members");
  return KeySpec{name, ValueKind::Keyword, 0, 0, words, false, help, access<Member>()};
}

// Text, Path, ReadableFile, NameOrPath, Address, Prefix, Host, Mailbox, TimeOfDay
// and SocketAddress all bind one std::string.
template <auto Member>
constexpr KeySpec string(std::string_view name, ValueKind kind, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::string>, "single-string keys bind std::string members");
  return KeySpec{name, kind, 0, 0, {}, false, help, access<Member>()};
}

template <auto Member>
constexpr KeySpec path_list(std::string_view name, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::vector<std::string>>, "path lists bind string vectors");
  return KeySpec{name, ValueKind::PathList, 0, 0, {}, false, help, access<Member>()};
}

// Files read when the policy is applied (certificates): a missing one is a
// load error at its word, not a failure at start-up.
template <auto Member>
constexpr KeySpec readable_file_list(std::string_view name, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::vector<std::string>>, "file lists bind string vectors");
  return KeySpec{name, ValueKind::ReadableFileList, 0, 0, {}, false, help, access<Member>()};
}

// Lists of strings validated word by word: prefixes, domains, address patterns, mailboxes.
template <auto Member>
constexpr KeySpec string_list(std::string_view name, ValueKind kind, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::vector<std::string>>, "string lists bind string vectors");
  return KeySpec{name, kind, 0, 0, {}, false, help, access<Member>()};
}

template <auto Member>
constexpr KeySpec port_list(std::string_view name, std::string_view help) {
  static_assert(std::is_same_v<FieldType<Member>, std::vector<uint16_t>>, "port lists bind uint16_t vectors");
  return KeySpec{name, ValueKind::PortList, 0, 0, {}, false, help, access<Member>()};
}

constexpr KeySpec required(KeySpec key) {
  key.required = true;
  return key;
}

}  // namespace sluice::control::config::fields
