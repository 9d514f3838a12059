#include "fhirpath/fhirpath.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "fhirpath/evaluator.h"
#include "fhirpath/parser.h"
#include "fhirpath/typecheck.h"

namespace tc::fhirpath {
namespace {

absl::Status CheckTypes(const Model& model, const Node& n) {
  bool typed = n.kind == NodeKind::kIs || n.kind == NodeKind::kAs ||
               (n.kind == NodeKind::kFunction &&
                (n.fn == Fn::kIs || n.fn == Fn::kAs || n.fn == Fn::kOfType));
  if (typed && n.type.ns != "System" && !IsKnownTypeName(model, n.type)) {
    std::string name = n.type.ns.empty() ? n.type.name : n.type.ns + "." + n.type.name;
    return absl::InvalidArgumentError("FHIRPath error at offset " + std::to_string(n.pos) +
                                      ": unknown type " + name);
  }
  for (const auto& a : n.args) {
    absl::Status st = CheckTypes(model, *a);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

// Depth-first search for the value `target` under `v`, building the path in `path`.
bool FindPath(const fhir::Value& v, const fhir::Value* target, std::string* path) {
  if (&v == target) return true;
  if (v.is_object()) {
    for (const fhir::Value::Member& m : v.members()) {
      std::string_view key = m.key;
      bool ext = !key.empty() && key[0] == '_';
      if (ext) key.remove_prefix(1);
      size_t mark = path->size();
      path->push_back('.');
      path->append(key);
      if (m.value.is_array()) {
        const fhir::Value::Array& a = m.value.array();
        for (size_t i = 0; i < a.size(); ++i) {
          size_t mark2 = path->size();
          path->push_back('[');
          path->append(std::to_string(i));
          path->push_back(']');
          if (FindPath(a[i], target, path)) return true;
          path->resize(mark2);
        }
      } else if (FindPath(m.value, target, path)) {
        return true;
      }
      path->resize(mark);
    }
  }
  return false;
}

absl::StatusOr<Collection> Run(const Expression& expr, const Collection& input,
                               const fhir::Value& resource, const EvalContext& context) {
  const Program& p = expr.program();
  Evaluator ev(p, context, resource, input);
  Collection out;
  absl::Status st = ev.Eval(*p.root, nullptr, &out);
  if (!st.ok()) return st;
  return out;
}

}  // namespace

const std::string& Expression::source() const { return program_->source; }

absl::StatusOr<Expression> Compile(std::string_view expr, const fhir::Definitions& defs,
                                   const CompileOptions& options) {
  if (expr.size() > 64 * 1024) return absl::InvalidArgumentError("FHIRPath expression too long");
  absl::StatusOr<std::unique_ptr<Node>> ast = Parse(expr);
  if (!ast.ok()) return ast.status();
  auto program = std::make_shared<Program>(std::string(expr), defs, options);
  program->root = *std::move(ast);
  absl::Status st = CheckTypes(program->model, *program->root);
  if (!st.ok()) return st;
  if (!options.context_type.empty()) {
    st = TypeCheck(program->model, *program->root, options.context_type,
                   options.check_ordered_functions);
    if (!st.ok()) return st;
  }
  return Expression(std::move(program));
}

absl::StatusOr<Collection> Evaluate(const Expression& expr, const fhir::Value& resource,
                                    const EvalContext& context) {
  Collection input;
  input.push_back(expr.program().model.ResourceItem(&resource));
  return Run(expr, input, resource, context);
}

absl::StatusOr<Collection> EvaluateOn(const Expression& expr, const Collection& input,
                                      const fhir::Value& resource, const EvalContext& context) {
  return Run(expr, input, resource, context);
}

std::string LocationOf(const fhir::Value& root, const Item& item) {
  if (!item.is_node()) return "";
  const fhir::Value* target = item.node() != nullptr ? item.node() : item.ext();
  std::string path(root.GetString("resourceType"));
  if (FindPath(root, target, &path)) return path;
  return "";
}

std::string TypeNameOf(const Item& item) {
  if (item.is_node() && !item.type().empty()) return std::string(item.type());
  switch (item.system_type()) {
    case SystemType::kBoolean:
      return "boolean";
    case SystemType::kInteger:
      return "integer";
    case SystemType::kDecimal:
      return "decimal";
    case SystemType::kString:
      return "string";
    case SystemType::kDate:
      return "date";
    case SystemType::kDateTime:
      return "dateTime";
    case SystemType::kTime:
      return "time";
    case SystemType::kQuantity:
      return "Quantity";
    case SystemType::kNone:
      break;
  }
  return "";
}

}  // namespace tc::fhirpath
