#include "fhirpath/evaluator.h"

#include <string>
#include <utility>

#include "fhir/json.h"

namespace tc::fhirpath {
namespace {

constexpr int kMaxEvalDepth = 400;
constexpr int kMaxCachedResolutions = 16;

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

Node::~Node() {
  const MemberResolution* r = member_cache.load();
  while (r != nullptr) {
    const MemberResolution* next = r->next;
    delete r;
    r = next;
  }
}

const fhir::Value* Program::TypeInfo(std::string_view ns, std::string_view name,
                                     std::string_view base) const {
  std::lock_guard<std::mutex> lock(type_info_mu_);
  for (const fhir::Value& v : type_infos_) {
    if (v.GetString("namespace") == ns && v.GetString("name") == name) return &v;
  }
  fhir::Value v = fhir::Value::Object();
  v.Set("namespace", fhir::Value::String(std::string(ns)));
  v.Set("name", fhir::Value::String(std::string(name)));
  if (!base.empty()) v.Set("baseType", fhir::Value::String(std::string(base)));
  type_infos_.push_back(std::move(v));
  return &type_infos_.back();
}

Evaluator::Evaluator(const Program& program, const EvalContext& ctx, const fhir::Value& resource,
                     const Collection& input)
    : program_(program), ctx_(ctx), resource_(resource), input_(input) {
  frame_.this_coll = &input_;
}

absl::Status Evaluator::Error(const Node& n, std::string_view message) const {
  return absl::InvalidArgumentError("FHIRPath evaluation error at offset " + std::to_string(n.pos) +
                                    ": " + std::string(message));
}

absl::StatusOr<const Item*> Evaluator::Single(const Collection& c, std::string_view what) const {
  if (c.empty()) return nullptr;
  if (c.size() > 1) {
    return absl::InvalidArgumentError(std::string(what) + " requires a single item but got " +
                                      std::to_string(c.size()));
  }
  return &c[0];
}

absl::StatusOr<Tri> Evaluator::AsBool(const Collection& c, std::string_view what) const {
  if (c.empty()) return Tri::kEmpty;
  if (c.size() > 1) {
    return absl::InvalidArgumentError(std::string(what) + " requires a single Boolean but got " +
                                      std::to_string(c.size()) + " items");
  }
  Item scratch;
  const Item* p = Primitive(c[0], &scratch);
  if (p != nullptr && p->system_type() == SystemType::kBoolean) {
    return p->bool_value() ? Tri::kTrue : Tri::kFalse;
  }
  return Tri::kTrue;
}

absl::StatusOr<std::optional<std::string>> Evaluator::StringArg(const Node& call, size_t i) {
  Collection c;
  absl::Status st = EvalArg(*call.args[i], &c);
  if (!st.ok()) return st;
  absl::StatusOr<const Item*> one = Single(c, call.name + "() argument");
  if (!one.ok()) return one.status();
  if (*one == nullptr) return std::optional<std::string>();
  Item scratch;
  const Item* p = Primitive(**one, &scratch);
  if (p == nullptr || p->system_type() != SystemType::kString) {
    return Error(call, call.name + "() expects a String argument");
  }
  return std::optional<std::string>(std::string(p->string_value()));
}

absl::StatusOr<std::optional<int64_t>> Evaluator::IntegerArg(const Node& call, size_t i) {
  Collection c;
  absl::Status st = EvalArg(*call.args[i], &c);
  if (!st.ok()) return st;
  absl::StatusOr<const Item*> one = Single(c, call.name + "() argument");
  if (!one.ok()) return one.status();
  if (*one == nullptr) return std::optional<int64_t>();
  Item scratch;
  const Item* p = Primitive(**one, &scratch);
  if (p == nullptr || p->system_type() != SystemType::kInteger) {
    return Error(call, call.name + "() expects an Integer argument");
  }
  return std::optional<int64_t>(p->int_value());
}

absl::Status Evaluator::EvalFor(const Node& arg, const Item& item, int64_t index, Collection* out,
                                const Collection* total) {
  Collection one;
  one.push_back(item);
  Frame saved = frame_;
  frame_.this_coll = &one;
  frame_.index = index;
  frame_.has_index = true;
  if (total != nullptr) frame_.total = total;
  absl::Status st = Eval(arg, nullptr, out);
  frame_ = saved;
  return st;
}

absl::Status Evaluator::EvalWithThis(const Node& arg, const Item& item, Collection* out) {
  Collection one;
  one.push_back(item);
  const Collection* saved = frame_.this_coll;
  frame_.this_coll = &one;
  absl::Status st = Eval(arg, nullptr, out);
  frame_.this_coll = saved;
  return st;
}

bool IsKnownTypeName(const Model& model, const TypeSpec& spec) {
  static constexpr std::string_view kSystem[] = {"Boolean", "Integer",  "Decimal", "String",
                                                 "Date",    "DateTime", "Time",    "Quantity",
                                                 "Any",     "Long"};
  bool system = false;
  for (std::string_view s : kSystem) system = system || s == spec.name;
  if (spec.ns == "System") return system;
  if (spec.ns == "FHIR") return model.IsFhirType(spec.name);
  if (!spec.ns.empty()) return false;
  return system || model.IsFhirType(spec.name);
}

bool Evaluator::IsType(const Item& item, const TypeSpec& spec, bool exact) const {
  if (item.is_node() && !item.type().empty()) {
    if (spec.ns == "System") return false;
    if (item.type() == spec.name) return true;
    if (!exact) return model().IsSubtype(item.type(), spec.name);
    // as()/ofType(): subtypes of complex types and resources qualify, of primitives not.
    const fhir::TypeDef* t = model().defs().FindType(spec.name);
    if (t == nullptr || t->kind == fhir::TypeKind::kPrimitive) return false;
    return model().IsSubtype(item.type(), spec.name);
  }
  if (spec.ns == "FHIR") return false;
  SystemType st = item.system_type();
  if (item.is_node()) {
    // Untyped tree values: their JSON kind stands for the System type.
    if (st == SystemType::kNone) return false;
  }
  if (spec.name == "Any") return true;
  return SystemTypeName(st) == spec.name;
}

const MemberResolution* Evaluator::Resolution(const Node& n, std::string_view context,
                                              MemberResolution* scratch) const {
  int count = 0;
  const MemberResolution* head = n.member_cache.load(std::memory_order_acquire);
  for (const MemberResolution* r = head; r != nullptr; r = r->next) {
    if (r->context.data() == context.data() && r->context.size() == context.size()) return r;
    ++count;
  }
  *scratch = model().Resolve(context, n.name);
  if (count >= kMaxCachedResolutions) return scratch;
  auto* entry = new MemberResolution(*scratch);
  entry->next = head;
  if (n.member_cache.compare_exchange_strong(head, entry, std::memory_order_acq_rel)) {
    return entry;
  }
  delete entry;  // another thread added an entry first; use the uncached copy
  return scratch;
}

absl::Status Evaluator::EvalMember(const Node& n, const Collection& input, Collection* out) {
  for (const Item& item : input) {
    if (!item.is_node()) continue;
    if (n.at_start && !n.name.empty() && IsUpper(n.name[0]) && !item.type().empty() &&
        model().IsSubtype(item.type(), n.name)) {
      out->push_back(item);
      continue;
    }
    if (item.context().empty()) {
      model().Member(item, n.name, nullptr, out);
      continue;
    }
    MemberResolution scratch;
    const MemberResolution* res = Resolution(n, item.context(), &scratch);
    if (res->choice_suffix && !program_.options.allow_choice_type_suffix) {
      // `valueQuantity` style names are not FHIRPath: the element is `value`.
      return Error(n, "'" + n.name + "' names a choice element with its type; use " +
                          "ofType() on the element");
    }
    model().Member(item, n.name, res, out);
  }
  return absl::OkStatus();
}

absl::Status Evaluator::EvalConstant(const Node& n, Collection* out) {
  const std::string& name = n.name;
  for (const auto& [key, value] : ctx_.variables) {
    if (key == name) {
      out->insert(out->end(), value.begin(), value.end());
      return absl::OkStatus();
    }
  }
  if (name == "context") {
    out->insert(out->end(), input_.begin(), input_.end());
    return absl::OkStatus();
  }
  if (name == "resource" || name == "rootResource") {
    const fhir::Value* r = name == "resource" ? ctx_.resource : ctx_.root_resource;
    if (r == nullptr && name == "rootResource") r = ctx_.resource;
    if (r == nullptr) r = &resource_;
    out->push_back(model().ResourceItem(r));
    return absl::OkStatus();
  }
  if (name == "ucum") {
    out->push_back(Item::StringView("http://unitsofmeasure.org"));
    return absl::OkStatus();
  }
  if (name == "sct") {
    out->push_back(Item::StringView("http://snomed.info/sct"));
    return absl::OkStatus();
  }
  if (name == "loinc") {
    out->push_back(Item::StringView("http://loinc.org"));
    return absl::OkStatus();
  }
  if (name.rfind("vs-", 0) == 0) {
    out->push_back(Item::String("http://hl7.org/fhir/ValueSet/" + name.substr(3)));
    return absl::OkStatus();
  }
  if (name.rfind("ext-", 0) == 0) {
    out->push_back(Item::String("http://hl7.org/fhir/StructureDefinition/" + name.substr(4)));
    return absl::OkStatus();
  }
  return Error(n, "unknown external constant %" + name);
}

absl::Status Evaluator::Eval(const Node& n, const Collection* focus, Collection* out) {
  if (++depth_ > kMaxEvalDepth) {
    --depth_;
    return Error(n, "evaluation nested too deeply");
  }
  absl::Status st = absl::OkStatus();
  const Collection& input = focus != nullptr ? *focus : *frame_.this_coll;
  switch (n.kind) {
    case NodeKind::kLiteral:
      out->push_back(n.literal);
      break;
    case NodeKind::kEmpty:
      break;
    case NodeKind::kMember:
      st = EvalMember(n, input, out);
      break;
    case NodeKind::kFunction:
      st = CallFunction(n, input, out);
      break;
    case NodeKind::kThis:
      out->insert(out->end(), frame_.this_coll->begin(), frame_.this_coll->end());
      break;
    case NodeKind::kIndex:
      if (frame_.has_index) out->push_back(Item::Integer(frame_.index));
      break;
    case NodeKind::kTotal:
      if (frame_.total != nullptr)
        out->insert(out->end(), frame_.total->begin(), frame_.total->end());
      break;
    case NodeKind::kConstant:
      st = EvalConstant(n, out);
      break;
    case NodeKind::kPath: {
      Collection left;
      st = Eval(*n.args[0], focus, &left);
      if (st.ok()) st = Eval(*n.args[1], &left, out);
      break;
    }
    case NodeKind::kIndexer: {
      Collection left, index;
      st = Eval(*n.args[0], focus, &left);
      if (st.ok()) st = Eval(*n.args[1], nullptr, &index);
      if (!st.ok()) break;
      absl::StatusOr<const Item*> i = Single(index, "an indexer");
      if (!i.ok()) {
        st = i.status();
        break;
      }
      if (*i == nullptr) break;
      Item scratch;
      const Item* p = Primitive(**i, &scratch);
      if (p == nullptr || p->system_type() != SystemType::kInteger) {
        st = Error(n, "an index must be an Integer");
        break;
      }
      int64_t k = p->int_value();
      if (k >= 0 && static_cast<uint64_t>(k) < left.size()) {
        out->push_back(std::move(left[static_cast<size_t>(k)]));
      }
      break;
    }
    case NodeKind::kNegate: {
      Collection v;
      st = Eval(*n.args[0], focus, &v);
      if (!st.ok()) break;
      absl::StatusOr<const Item*> one = Single(v, "unary minus");
      if (!one.ok()) {
        st = one.status();
        break;
      }
      if (*one == nullptr) break;
      Item scratch;
      const Item* p = Primitive(**one, &scratch);
      std::optional<Quantity> q = AsQuantity(model(), p ? *p : **one);
      if (p != nullptr && p->system_type() == SystemType::kInteger) {
        if (p->int_value() == INT64_MIN) break;  // no representable result
        out->push_back(Item::Integer(-p->int_value()));
      } else if (p != nullptr && p->system_type() == SystemType::kDecimal) {
        out->push_back(Item::Dec(p->decimal_value().Negate()));
      } else if (q) {
        q->value = q->value.Negate();
        out->push_back(Item::Qty(*std::move(q)));
      } else {
        st = Error(n, "unary minus needs a number or quantity");
      }
      break;
    }
    case NodeKind::kBinary:
      st = EvalBinary(n, focus, out);
      break;
    case NodeKind::kAs: {
      // The `as` operator filters: FHIR R4's own search parameters apply it to collections
      // (`(Observation.component.value as Quantity)`), so it does not insist on one item as
      // the as() function does.
      Collection v;
      st = Eval(*n.args[0], focus, &v);
      if (!st.ok()) break;
      for (Item& i : v) {
        if (IsType(i, n.type, /*exact=*/true)) out->push_back(std::move(i));
      }
      break;
    }
    case NodeKind::kIs: {
      Collection v;
      st = Eval(*n.args[0], focus, &v);
      if (!st.ok()) break;
      absl::StatusOr<const Item*> one = Single(v, "'is'");
      if (!one.ok()) {
        st = one.status();
        break;
      }
      if (*one != nullptr) out->push_back(Item::Boolean(IsType(**one, n.type, /*exact=*/false)));
      break;
    }
  }
  --depth_;
  return st;
}

absl::Status Evaluator::EvalBinary(const Node& n, const Collection* focus, Collection* out) {
  // Operands of a binary operator are evaluated against the same input.
  Collection left, right;
  absl::Status st = Eval(*n.args[0], focus, &left);
  if (!st.ok()) return st;
  BinaryOp op = n.op;

  if (op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kImplies ||
      op == BinaryOp::kXor) {
    absl::StatusOr<Tri> l = AsBool(left, "a boolean operator");
    if (!l.ok()) return l.status();
    // Short circuits.
    if (op == BinaryOp::kAnd && *l == Tri::kFalse) {
      out->push_back(Item::Boolean(false));
      return absl::OkStatus();
    }
    if (op == BinaryOp::kOr && *l == Tri::kTrue) {
      out->push_back(Item::Boolean(true));
      return absl::OkStatus();
    }
    if (op == BinaryOp::kImplies && *l == Tri::kFalse) {
      out->push_back(Item::Boolean(true));
      return absl::OkStatus();
    }
    st = Eval(*n.args[1], focus, &right);
    if (!st.ok()) return st;
    absl::StatusOr<Tri> r = AsBool(right, "a boolean operator");
    if (!r.ok()) return r.status();
    Tri a = *l, b = *r;
    Tri res = Tri::kEmpty;
    switch (op) {
      case BinaryOp::kAnd:
        if (b == Tri::kFalse)
          res = Tri::kFalse;
        else if (a == Tri::kTrue && b == Tri::kTrue)
          res = Tri::kTrue;
        break;
      case BinaryOp::kOr:
        if (b == Tri::kTrue)
          res = Tri::kTrue;
        else if (a == Tri::kFalse && b == Tri::kFalse)
          res = Tri::kFalse;
        break;
      case BinaryOp::kXor:
        if (a != Tri::kEmpty && b != Tri::kEmpty) res = a != b ? Tri::kTrue : Tri::kFalse;
        break;
      case BinaryOp::kImplies:
        if (a == Tri::kTrue)
          res = b;
        else if (b == Tri::kTrue)
          res = Tri::kTrue;  // {} implies true
        break;
      default:
        break;
    }
    if (res != Tri::kEmpty) out->push_back(Item::Boolean(res == Tri::kTrue));
    return absl::OkStatus();
  }

  st = Eval(*n.args[1], focus, &right);
  if (!st.ok()) return st;

  switch (op) {
    case BinaryOp::kUnion: {
      out->reserve(out->size() + left.size() + right.size());
      size_t start = out->size();
      auto add = [&](Item&& item) {
        for (size_t i = start; i < out->size(); ++i) {
          if (Equal(model(), (*out)[i], item) == Tri::kTrue) return;
        }
        out->push_back(std::move(item));
      };
      for (Item& i : left) add(std::move(i));
      for (Item& i : right) add(std::move(i));
      return absl::OkStatus();
    }
    case BinaryOp::kEq:
    case BinaryOp::kNe: {
      if (left.empty() || right.empty()) return absl::OkStatus();
      Tri t = EqualCollections(model(), left, right);
      if (t == Tri::kEmpty) return absl::OkStatus();
      out->push_back(Item::Boolean((t == Tri::kTrue) == (op == BinaryOp::kEq)));
      return absl::OkStatus();
    }
    case BinaryOp::kEquiv:
    case BinaryOp::kNotEquiv: {
      bool eq = EquivalentCollections(model(), left, right);
      out->push_back(Item::Boolean(eq == (op == BinaryOp::kEquiv)));
      return absl::OkStatus();
    }
    case BinaryOp::kLt:
    case BinaryOp::kGt:
    case BinaryOp::kLe:
    case BinaryOp::kGe: {
      absl::StatusOr<const Item*> a = Single(left, "a comparison");
      if (!a.ok()) return a.status();
      absl::StatusOr<const Item*> b = Single(right, "a comparison");
      if (!b.ok()) return b.status();
      if (*a == nullptr || *b == nullptr) return absl::OkStatus();
      absl::StatusOr<std::optional<int>> c = CompareItems(model(), **a, **b);
      if (!c.ok()) return Error(n, std::string(c.status().message()));
      if (!c->has_value()) return absl::OkStatus();
      int v = **c;
      bool r = op == BinaryOp::kLt   ? v < 0
               : op == BinaryOp::kGt ? v > 0
               : op == BinaryOp::kLe ? v <= 0
                                     : v >= 0;
      out->push_back(Item::Boolean(r));
      return absl::OkStatus();
    }
    case BinaryOp::kIn:
    case BinaryOp::kContains: {
      const Collection& needle = op == BinaryOp::kIn ? left : right;
      const Collection& hay = op == BinaryOp::kIn ? right : left;
      absl::StatusOr<const Item*> x = Single(needle, op == BinaryOp::kIn ? "'in'" : "'contains'");
      if (!x.ok()) return x.status();
      if (*x == nullptr) return absl::OkStatus();
      bool found = false;
      for (const Item& h : hay) {
        if (Equal(model(), **x, h) == Tri::kTrue) {
          found = true;
          break;
        }
      }
      out->push_back(Item::Boolean(found));
      return absl::OkStatus();
    }
    case BinaryOp::kConcat: {
      absl::StatusOr<const Item*> a = Single(left, "'&'");
      if (!a.ok()) return a.status();
      absl::StatusOr<const Item*> b = Single(right, "'&'");
      if (!b.ok()) return b.status();
      std::string s;
      for (const Item* p : {*a, *b}) {
        if (p == nullptr) continue;
        Item scratch;
        const Item* v = Primitive(*p, &scratch);
        if (v == nullptr || v->system_type() != SystemType::kString) {
          return Error(n, "'&' needs strings");
        }
        s.append(v->string_value());
      }
      out->push_back(Item::String(std::move(s)));
      return absl::OkStatus();
    }
    default: {
      absl::StatusOr<const Item*> a = Single(left, "an arithmetic operator");
      if (!a.ok()) return a.status();
      absl::StatusOr<const Item*> b = Single(right, "an arithmetic operator");
      if (!b.ok()) return b.status();
      if (*a == nullptr || *b == nullptr) return absl::OkStatus();
      ArithOp aop = op == BinaryOp::kAdd      ? ArithOp::kAdd
                    : op == BinaryOp::kSub    ? ArithOp::kSub
                    : op == BinaryOp::kMul    ? ArithOp::kMul
                    : op == BinaryOp::kDiv    ? ArithOp::kDiv
                    : op == BinaryOp::kIntDiv ? ArithOp::kIntDiv
                                              : ArithOp::kMod;
      absl::StatusOr<std::optional<Item>> r = Arithmetic(model(), aop, **a, **b);
      if (!r.ok()) return Error(n, std::string(r.status().message()));
      if (r->has_value()) out->push_back(**std::move(r));
      return absl::OkStatus();
    }
  }
}

absl::Status Evaluator::CallFunction(const Node& n, const Collection& input, Collection* out) {
  switch (n.fn) {
    case Fn::kEmpty:
    case Fn::kExists:
    case Fn::kAll:
    case Fn::kAllTrue:
    case Fn::kAnyTrue:
    case Fn::kAllFalse:
    case Fn::kAnyFalse:
    case Fn::kSubsetOf:
    case Fn::kSupersetOf:
    case Fn::kCount:
    case Fn::kDistinct:
    case Fn::kIsDistinct:
    case Fn::kWhere:
    case Fn::kSelect:
    case Fn::kRepeat:
    case Fn::kSingle:
    case Fn::kFirst:
    case Fn::kLast:
    case Fn::kTail:
    case Fn::kSkip:
    case Fn::kTake:
    case Fn::kIntersect:
    case Fn::kExclude:
    case Fn::kUnion:
    case Fn::kCombine:
    case Fn::kIif:
    case Fn::kTrace:
    case Fn::kNot:
    case Fn::kAggregate:
    case Fn::kSort:
    case Fn::kNow:
    case Fn::kToday:
    case Fn::kTimeOfDay:
      return CallCollectionFunction(*this, n, input, out);
    case Fn::kToBoolean:
    case Fn::kConvertsToBoolean:
    case Fn::kToInteger:
    case Fn::kConvertsToInteger:
    case Fn::kToDecimal:
    case Fn::kConvertsToDecimal:
    case Fn::kToString:
    case Fn::kConvertsToString:
    case Fn::kToDate:
    case Fn::kConvertsToDate:
    case Fn::kToDateTime:
    case Fn::kConvertsToDateTime:
    case Fn::kToTime:
    case Fn::kConvertsToTime:
    case Fn::kToQuantity:
    case Fn::kConvertsToQuantity:
      return CallConversionFunction(*this, n, input, out);
    case Fn::kIndexOf:
    case Fn::kSubstring:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains:
    case Fn::kUpper:
    case Fn::kLower:
    case Fn::kReplace:
    case Fn::kMatches:
    case Fn::kMatchesFull:
    case Fn::kReplaceMatches:
    case Fn::kLength:
    case Fn::kToChars:
    case Fn::kTrim:
    case Fn::kSplit:
    case Fn::kJoin:
    case Fn::kEncode:
    case Fn::kDecode:
    case Fn::kEscape:
    case Fn::kUnescape:
      return CallStringFunction(*this, n, input, out);
    case Fn::kAbs:
    case Fn::kCeiling:
    case Fn::kExp:
    case Fn::kFloor:
    case Fn::kLn:
    case Fn::kLog:
    case Fn::kPower:
    case Fn::kRound:
    case Fn::kSqrt:
    case Fn::kTruncate:
    case Fn::kLowBoundary:
    case Fn::kHighBoundary:
    case Fn::kPrecision:
    case Fn::kComparable:
      return CallMathFunction(*this, n, input, out);
    default:
      return CallFhirFunction(*this, n, input, out);
  }
}

}  // namespace tc::fhirpath
