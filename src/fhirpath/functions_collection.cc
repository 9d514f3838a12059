// Existence, filtering, subsetting, combining, aggregate, sort, iif, not, trace and the clock
// functions.
#include <algorithm>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "fhirpath/evaluator.h"

namespace tc::fhirpath {
namespace {

bool Contains(const Model& model, const Collection& c, const Item& x) {
  for (const Item& i : c) {
    if (Equal(model, i, x) == Tri::kTrue) return true;
  }
  return false;
}

void Distinct(const Model& model, const Collection& in, Collection* out) {
  size_t start = out->size();
  for (const Item& i : in) {
    bool dup = false;
    for (size_t k = start; k < out->size(); ++k) {
      if (Equal(model, (*out)[k], i) == Tri::kTrue) {
        dup = true;
        break;
      }
    }
    if (!dup) out->push_back(i);
  }
}

absl::StatusOr<Tri> BoolItem(const Item& item, std::string_view fn) {
  Item scratch;
  const Item* p = Primitive(item, &scratch);
  if (p == nullptr || p->system_type() != SystemType::kBoolean) {
    return absl::InvalidArgumentError(std::string(fn) + "() needs Boolean items");
  }
  return p->bool_value() ? Tri::kTrue : Tri::kFalse;
}

absl::Time Now(const EvalContext& ctx) {
  return ctx.clock != nullptr ? ctx.clock->Now() : absl::Now();
}

Temporal FromTime(absl::Time t, TemporalKind kind) {
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  Temporal r;
  r.kind = kind;
  r.year = static_cast<int>(cs.year());
  r.month = cs.month();
  r.day = cs.day();
  r.hour = cs.hour();
  r.minute = cs.minute();
  r.second = cs.second();
  int64_t ms = absl::ToUnixMillis(t) % 1000;
  r.millisecond = static_cast<int>(ms < 0 ? ms + 1000 : ms);
  if (kind == TemporalKind::kDate) {
    r.precision = TemporalPrecision::kDay;
  } else {
    r.precision = TemporalPrecision::kMillisecond;
    r.has_tz = kind == TemporalKind::kDateTime;
  }
  return r;
}

absl::Status Sort(Evaluator& ev, const Node& n, const Collection& in, Collection* out) {
  struct Keyed {
    Item item;
    std::vector<Collection> keys;
  };
  std::vector<Keyed> rows;
  rows.reserve(in.size());
  std::vector<bool> desc(n.args.size(), false);
  for (size_t i = 0; i < in.size(); ++i) {
    Keyed row{in[i], {}};
    for (size_t k = 0; k < n.args.size(); ++k) {
      const Node* key = n.args[k].get();
      if (key->kind == NodeKind::kNegate) {
        desc[k] = true;
        key = key->args[0].get();
      }
      Collection c;
      absl::Status st = ev.EvalFor(*key, in[i], static_cast<int64_t>(i), &c);
      if (!st.ok()) return st;
      row.keys.push_back(std::move(c));
    }
    rows.push_back(std::move(row));
  }
  absl::Status error = absl::OkStatus();
  auto cmp = [&](const Collection& a, const Collection& b) -> int {
    if (a.empty() || b.empty()) return 0;  // ordered separately: empty keys sort first
    absl::StatusOr<std::optional<int>> c = CompareItems(ev.model(), a[0], b[0]);
    if (!c.ok()) {
      error = c.status();
      return 0;
    }
    return c->value_or(0);
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Keyed& a, const Keyed& b) {
    if (n.args.empty()) {
      return cmp(Collection{a.item}, Collection{b.item}) < 0;
    }
    for (size_t k = 0; k < n.args.size(); ++k) {
      if (a.keys[k].empty() != b.keys[k].empty()) return a.keys[k].empty();
      int c = cmp(a.keys[k], b.keys[k]);
      if (c != 0) return desc[k] ? c > 0 : c < 0;
    }
    return false;
  });
  if (!error.ok()) return error;
  for (Keyed& r : rows) out->push_back(std::move(r.item));
  return absl::OkStatus();
}

}  // namespace

absl::Status CallCollectionFunction(Evaluator& ev, const Node& n, const Collection& in,
                                    Collection* out) {
  const Model& model = ev.model();
  switch (n.fn) {
    case Fn::kEmpty:
      out->push_back(Item::Boolean(in.empty()));
      return absl::OkStatus();
    case Fn::kExists:
    case Fn::kAll:
    case Fn::kWhere:
    case Fn::kSelect: {
      bool any = false, all = true;
      for (size_t i = 0; i < in.size(); ++i) {
        if (n.fn == Fn::kExists && n.args.empty()) {
          any = true;
          break;
        }
        Collection r;
        absl::Status st = ev.EvalFor(*n.args[0], in[i], static_cast<int64_t>(i), &r);
        if (!st.ok()) return st;
        if (n.fn == Fn::kSelect) {
          out->insert(out->end(), std::make_move_iterator(r.begin()),
                      std::make_move_iterator(r.end()));
          continue;
        }
        absl::StatusOr<Tri> b = ev.AsBool(r, n.name + "()");
        if (!b.ok()) return b.status();
        bool yes = *b == Tri::kTrue;
        if (n.fn == Fn::kWhere) {
          if (yes) out->push_back(in[i]);
        } else if (n.fn == Fn::kExists) {
          if (yes) {
            any = true;
            break;
          }
        } else if (!yes) {
          all = false;
          break;
        }
      }
      if (n.fn == Fn::kExists) out->push_back(Item::Boolean(any));
      if (n.fn == Fn::kAll) out->push_back(Item::Boolean(all));
      return absl::OkStatus();
    }
    case Fn::kAllTrue:
    case Fn::kAnyTrue:
    case Fn::kAllFalse:
    case Fn::kAnyFalse: {
      bool want = n.fn == Fn::kAllTrue || n.fn == Fn::kAnyTrue;
      bool is_all = n.fn == Fn::kAllTrue || n.fn == Fn::kAllFalse;
      bool result = is_all;
      for (const Item& i : in) {
        absl::StatusOr<Tri> b = BoolItem(i, n.name);
        if (!b.ok()) return ev.Error(n, std::string(b.status().message()));
        bool v = *b == Tri::kTrue;
        if (is_all && v != want) result = false;
        if (!is_all && v == want) result = true;
      }
      out->push_back(Item::Boolean(result));
      return absl::OkStatus();
    }
    case Fn::kSubsetOf:
    case Fn::kSupersetOf: {
      Collection other;
      absl::Status st = ev.EvalArg(*n.args[0], &other);
      if (!st.ok()) return st;
      const Collection& small = n.fn == Fn::kSubsetOf ? in : other;
      const Collection& big = n.fn == Fn::kSubsetOf ? other : in;
      bool ok = true;
      for (const Item& i : small) {
        if (!Contains(model, big, i)) {
          ok = false;
          break;
        }
      }
      out->push_back(Item::Boolean(ok));
      return absl::OkStatus();
    }
    case Fn::kCount:
      out->push_back(Item::Integer(static_cast<int64_t>(in.size())));
      return absl::OkStatus();
    case Fn::kDistinct:
      Distinct(model, in, out);
      return absl::OkStatus();
    case Fn::kIsDistinct: {
      Collection d;
      Distinct(model, in, &d);
      out->push_back(Item::Boolean(d.size() == in.size()));
      return absl::OkStatus();
    }
    case Fn::kRepeat: {
      Collection queue = in;
      size_t start = out->size();
      for (size_t qi = 0; qi < queue.size(); ++qi) {
        Collection r;
        absl::Status st = ev.EvalFor(*n.args[0], queue[qi], static_cast<int64_t>(qi), &r);
        if (!st.ok()) return st;
        for (Item& x : r) {
          bool seen = false;
          for (size_t k = start; k < out->size(); ++k) {
            if (Equal(model, (*out)[k], x) == Tri::kTrue) {
              seen = true;
              break;
            }
          }
          if (seen) continue;
          out->push_back(x);
          queue.push_back(std::move(x));
        }
        if (queue.size() > 1000000) return ev.Error(n, "repeat() produced too many items");
      }
      return absl::OkStatus();
    }
    case Fn::kSingle: {
      if (in.size() > 1) return ev.Error(n, "single() on a collection of several items");
      out->insert(out->end(), in.begin(), in.end());
      return absl::OkStatus();
    }
    case Fn::kFirst:
      if (!in.empty()) out->push_back(in.front());
      return absl::OkStatus();
    case Fn::kLast:
      if (!in.empty()) out->push_back(in.back());
      return absl::OkStatus();
    case Fn::kTail:
      if (in.size() > 1) out->insert(out->end(), in.begin() + 1, in.end());
      return absl::OkStatus();
    case Fn::kSkip:
    case Fn::kTake: {
      absl::StatusOr<std::optional<int64_t>> k = ev.IntegerArg(n, 0);
      if (!k.ok()) return k.status();
      if (!k->has_value()) return absl::OkStatus();
      int64_t v = std::max<int64_t>(0, **k);
      size_t m = static_cast<size_t>(std::min<int64_t>(v, static_cast<int64_t>(in.size())));
      if (n.fn == Fn::kSkip) {
        out->insert(out->end(), in.begin() + static_cast<std::ptrdiff_t>(m), in.end());
      } else {
        out->insert(out->end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(m));
      }
      return absl::OkStatus();
    }
    case Fn::kIntersect:
    case Fn::kExclude: {
      Collection other;
      absl::Status st = ev.EvalArg(*n.args[0], &other);
      if (!st.ok()) return st;
      if (n.fn == Fn::kIntersect) {
        Collection both;
        for (const Item& i : in) {
          if (Contains(model, other, i)) both.push_back(i);
        }
        Distinct(model, both, out);
      } else {
        for (const Item& i : in) {
          if (!Contains(model, other, i)) out->push_back(i);
        }
      }
      return absl::OkStatus();
    }
    case Fn::kUnion:
    case Fn::kCombine: {
      Collection other;
      absl::Status st = ev.EvalArg(*n.args[0], &other);
      if (!st.ok()) return st;
      if (n.fn == Fn::kCombine) {
        out->insert(out->end(), in.begin(), in.end());
        out->insert(out->end(), other.begin(), other.end());
      } else {
        Collection all = in;
        all.insert(all.end(), other.begin(), other.end());
        Distinct(model, all, out);
      }
      return absl::OkStatus();
    }
    case Fn::kIif: {
      if (in.size() > 1) return ev.Error(n, "iif() on a collection of several items");
      auto eval = [&](const Node& arg, Collection* r) {
        if (in.size() == 1) return ev.EvalWithThis(arg, in[0], r);
        return ev.EvalArg(arg, r);
      };
      Collection crit;
      absl::Status st = eval(*n.args[0], &crit);
      if (!st.ok()) return st;
      absl::StatusOr<const Item*> c = ev.Single(crit, "iif() criterion");
      if (!c.ok()) return c.status();
      bool yes = false;
      if (*c != nullptr) {
        Item scratch;
        const Item* p = Primitive(**c, &scratch);
        if (p == nullptr || p->system_type() != SystemType::kBoolean) {
          return ev.Error(n, "iif() criterion must be a Boolean");
        }
        yes = p->bool_value();
      }
      if (yes) return eval(*n.args[1], out);
      if (n.args.size() > 2) return eval(*n.args[2], out);
      return absl::OkStatus();
    }
    case Fn::kNot: {
      absl::StatusOr<Tri> b = ev.AsBool(in, "not()");
      if (!b.ok()) return b.status();
      if (*b != Tri::kEmpty) out->push_back(Item::Boolean(*b == Tri::kFalse));
      return absl::OkStatus();
    }
    case Fn::kTrace: {
      absl::StatusOr<std::optional<std::string>> name = ev.StringArg(n, 0);
      if (!name.ok()) return name.status();
      if (ev.context().trace) {
        if (n.args.size() > 1) {
          Collection projected;
          for (size_t i = 0; i < in.size(); ++i) {
            absl::Status st = ev.EvalFor(*n.args[1], in[i], static_cast<int64_t>(i), &projected);
            if (!st.ok()) return st;
          }
          ev.context().trace(name->value_or(""), projected);
        } else {
          ev.context().trace(name->value_or(""), in);
        }
      }
      out->insert(out->end(), in.begin(), in.end());
      return absl::OkStatus();
    }
    case Fn::kAggregate: {
      Collection total;
      if (n.args.size() > 1) {
        absl::Status st = ev.EvalArg(*n.args[1], &total);
        if (!st.ok()) return st;
      }
      for (size_t i = 0; i < in.size(); ++i) {
        Collection next;
        absl::Status st = ev.EvalFor(*n.args[0], in[i], static_cast<int64_t>(i), &next, &total);
        if (!st.ok()) return st;
        total = std::move(next);
      }
      out->insert(out->end(), total.begin(), total.end());
      return absl::OkStatus();
    }
    case Fn::kSort:
      return Sort(ev, n, in, out);
    case Fn::kNow:
      out->push_back(Item::Time(FromTime(Now(ev.context()), TemporalKind::kDateTime)));
      return absl::OkStatus();
    case Fn::kToday:
      out->push_back(Item::Time(FromTime(Now(ev.context()), TemporalKind::kDate)));
      return absl::OkStatus();
    case Fn::kTimeOfDay:
      out->push_back(Item::Time(FromTime(Now(ev.context()), TemporalKind::kTime)));
      return absl::OkStatus();
    default:
      return ev.Error(n, "function not in this group");
  }
}

}  // namespace tc::fhirpath
