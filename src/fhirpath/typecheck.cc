#include "fhirpath/typecheck.h"

#include <string>
#include <vector>

namespace tc::fhirpath {
namespace {

struct TypeRef {
  std::string_view type;
  std::string_view context;
};

// What the checker knows about a collection's items.
struct Inferred {
  bool known = false;          // false: could be anything (no checks downstream)
  std::vector<TypeRef> types;  // when known
  bool unordered = false;      // output of children()/descendants()
};

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

class Checker {
 public:
  Checker(const Model& model, bool ordered) : model_(model), ordered_(ordered) {}

  absl::Status Infer(const Node& n, const Inferred* focus, const Inferred& self, Inferred* out) {
    const Inferred& input = focus != nullptr ? *focus : self;
    switch (n.kind) {
      case NodeKind::kMember:
        return Member(n, input, out);
      case NodeKind::kThis:
        *out = self;
        return absl::OkStatus();
      case NodeKind::kEmpty:
        out->known = true;
        return absl::OkStatus();
      case NodeKind::kPath: {
        Inferred left;
        absl::Status st = Infer(*n.args[0], focus, self, &left);
        if (!st.ok()) return st;
        return Infer(*n.args[1], &left, self, out);
      }
      case NodeKind::kIndexer: {
        Inferred left, index;
        absl::Status st = Infer(*n.args[0], focus, self, &left);
        if (st.ok()) st = Infer(*n.args[1], nullptr, self, &index);
        if (!st.ok()) return st;
        if (ordered_ && left.unordered) return Error(n, "indexing the unordered output");
        *out = left;
        return absl::OkStatus();
      }
      case NodeKind::kIs:
      case NodeKind::kAs: {
        Inferred v;
        absl::Status st = Infer(*n.args[0], focus, self, &v);
        if (!st.ok()) return st;
        if (n.kind == NodeKind::kAs) *out = Cast(n.type);
        return absl::OkStatus();
      }
      case NodeKind::kNegate:
      case NodeKind::kBinary: {
        for (const auto& a : n.args) {
          Inferred ignored;
          absl::Status st = Infer(*a, focus, self, &ignored);
          if (!st.ok()) return st;
        }
        return absl::OkStatus();
      }
      case NodeKind::kFunction:
        return Function(n, input, self, out);
      case NodeKind::kConstant:
        if (n.name == "context" || n.name == "resource" || n.name == "rootResource") {
          if (n.name == "context") *out = root_;
        }
        return absl::OkStatus();
      default:
        return absl::OkStatus();
    }
  }

  void SetRoot(Inferred root) { root_ = std::move(root); }

 private:
  static absl::Status Error(const Node& n, const std::string& what) {
    return absl::InvalidArgumentError("FHIRPath error at offset " + std::to_string(n.pos) + ": " +
                                      what);
  }

  Inferred Cast(const TypeSpec& spec) const {
    Inferred r;
    if (spec.ns == "System") return r;
    const fhir::TypeDef* t = model_.defs().FindType(spec.name);
    if (t == nullptr || t->kind == fhir::TypeKind::kPrimitive || t->is_abstract) return r;
    r.known = true;
    r.types.push_back({t->name, t->name});
    return r;
  }

  absl::Status Member(const Node& n, const Inferred& input, Inferred* out) {
    if (!input.known) return absl::OkStatus();
    if (n.at_start && !n.name.empty() && IsUpper(n.name[0]) && model_.IsFhirType(n.name)) {
      Inferred same;
      same.known = true;
      for (const TypeRef& t : input.types) {
        if (model_.IsSubtype(t.type, n.name)) same.types.push_back(t);
      }
      if (!same.types.empty()) {
        *out = same;
        return absl::OkStatus();
      }
      if (model_.defs().IsResourceType(n.name) && !input.types.empty()) {
        return Error(n, "the expression starts with " + n.name + " but the context is " +
                            std::string(input.types[0].type));
      }
    }
    Inferred r;
    r.known = true;
    bool checkable = !input.types.empty();
    bool found = false;
    for (const TypeRef& t : input.types) {
      if (t.context.empty() || model_.defs().ChildElements(t.context).empty()) {
        checkable = false;
        continue;
      }
      MemberResolution res = model_.Resolve(t.context, n.name);
      if (!res.found) continue;
      found = true;
      if (res.choice) {
        for (const fhir::ElementDef* el : model_.defs().ChildElements(t.context)) {
          if (el->is_choice && el->name == n.name) {
            for (const std::string& type : el->types) r.types.push_back({type, type});
          }
        }
      } else if (res.polymorphic_resource || res.type.empty()) {
        r.known = false;
      } else {
        r.types.push_back({res.type, res.child_context});
      }
    }
    if (checkable && !found) {
      std::string on(input.types[0].type);
      return Error(n, "no element '" + n.name + "' on " + on);
    }
    if (!checkable && !found) r.known = false;
    if (!r.known) r.types.clear();
    *out = std::move(r);
    return absl::OkStatus();
  }

  absl::Status Function(const Node& n, const Inferred& input, const Inferred& self, Inferred* out) {
    bool iterates = false;
    switch (n.fn) {
      case Fn::kWhere:
      case Fn::kSelect:
      case Fn::kAll:
      case Fn::kExists:
      case Fn::kSort:
      case Fn::kAggregate:
      case Fn::kTrace:
      case Fn::kIif:
        iterates = true;
        break;
      default:
        break;
    }
    Inferred elements = input;
    elements.unordered = false;
    Inferred unknown;
    for (size_t i = 0; i < n.args.size(); ++i) {
      bool type_arg = n.fn == Fn::kIs || n.fn == Fn::kAs || n.fn == Fn::kOfType;
      if (type_arg) break;
      const Inferred& arg_self = n.fn == Fn::kRepeat ? unknown : iterates ? elements : self;
      Inferred result;
      absl::Status st = Infer(*n.args[i], nullptr, arg_self, &result);
      if (!st.ok()) return st;
      if (n.fn == Fn::kSelect) *out = result;
    }
    switch (n.fn) {
      case Fn::kFirst:
      case Fn::kLast:
      case Fn::kTail:
      case Fn::kSkip:
      case Fn::kTake:
      case Fn::kSingle:
        if (ordered_ && input.unordered) {
          return Error(n, n.name +
                              "() depends on order, but its input from children() or "
                              "descendants() has none");
        }
        *out = input;
        return absl::OkStatus();
      case Fn::kWhere:
      case Fn::kDistinct:
      case Fn::kTrace:
      case Fn::kIntersect:
      case Fn::kExclude:
      case Fn::kSort:
        *out = input;
        return absl::OkStatus();
      case Fn::kAs:
      case Fn::kOfType:
        *out = Cast(n.type);
        out->unordered = input.unordered;
        return absl::OkStatus();
      case Fn::kChildren:
      case Fn::kDescendants:
        out->known = false;
        out->unordered = true;
        return absl::OkStatus();
      case Fn::kExtension: {
        const fhir::TypeDef* ext = model_.defs().FindType("Extension");
        if (ext != nullptr) {
          out->known = true;
          out->types.push_back({ext->name, ext->name});
        }
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  const Model& model_;
  bool ordered_;
  Inferred root_;
};

}  // namespace

absl::Status TypeCheck(const Model& model, const Node& root, std::string_view context_type,
                       bool check_ordered_functions) {
  const fhir::TypeDef* t = model.defs().FindType(context_type);
  if (t == nullptr) {
    return absl::InvalidArgumentError("unknown context type " + std::string(context_type));
  }
  Inferred self;
  self.known = true;
  self.types.push_back({t->name, t->name});
  Checker checker(model, check_ordered_functions);
  checker.SetRoot(self);
  Inferred out;
  return checker.Infer(root, nullptr, self, &out);
}

}  // namespace tc::fhirpath
