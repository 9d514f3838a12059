#include "fhirpath/parser.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fhirpath/lexer.h"
#include "fhirpath/quantity.h"
#include "fhirpath/regex.h"
#include "fhirpath/temporal.h"

namespace tc::fhirpath {
namespace {

using NodePtr = std::unique_ptr<Node>;

constexpr int kMaxDepth = 200;

struct OpInfo {
  std::string_view text;
  bool keyword;
  BinaryOp op;
  int prec;
};

// Higher binds tighter. is/as (prec 8) are handled specially.
constexpr OpInfo kOps[] = {
    {"implies", true, BinaryOp::kImplies, 1}, {"or", true, BinaryOp::kOr, 2},
    {"xor", true, BinaryOp::kXor, 2},         {"and", true, BinaryOp::kAnd, 3},
    {"in", true, BinaryOp::kIn, 4},           {"contains", true, BinaryOp::kContains, 4},
    {"=", false, BinaryOp::kEq, 5},           {"~", false, BinaryOp::kEquiv, 5},
    {"!=", false, BinaryOp::kNe, 5},          {"!~", false, BinaryOp::kNotEquiv, 5},
    {"<", false, BinaryOp::kLt, 6},           {">", false, BinaryOp::kGt, 6},
    {"<=", false, BinaryOp::kLe, 6},          {">=", false, BinaryOp::kGe, 6},
    {"|", false, BinaryOp::kUnion, 7},        {"+", false, BinaryOp::kAdd, 9},
    {"-", false, BinaryOp::kSub, 9},          {"&", false, BinaryOp::kConcat, 9},
    {"*", false, BinaryOp::kMul, 10},         {"/", false, BinaryOp::kDiv, 10},
    {"div", true, BinaryOp::kIntDiv, 10},     {"mod", true, BinaryOp::kMod, 10},
};
constexpr int kTypeOpPrec = 8;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  absl::StatusOr<NodePtr> ParseAll() {
    absl::StatusOr<NodePtr> e = Expr(1);
    if (!e.ok()) return e;
    if (Peek().kind != TokenKind::kEnd)
      return Error(Peek().pos, "unexpected '" + Peek().text + "'");
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool IsSymbol(std::string_view s, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kSymbol && Peek(ahead).text == s;
  }
  bool IsKeyword(std::string_view s) const {
    return Peek().kind == TokenKind::kIdentifier && !Peek().delimited && Peek().text == s;
  }

  static absl::Status Error(int pos, std::string_view what) {
    return absl::InvalidArgumentError("FHIRPath error at offset " + std::to_string(pos) + ": " +
                                      std::string(what));
  }

  absl::Status Expect(std::string_view sym) {
    if (!IsSymbol(sym)) {
      std::string got =
          Peek().kind == TokenKind::kEnd ? "end of expression" : "'" + Peek().text + "'";
      return Error(Peek().pos, "expected '" + std::string(sym) + "' but found " + got);
    }
    Next();
    return absl::OkStatus();
  }

  const OpInfo* PeekBinary() const {
    const Token& t = Peek();
    if (t.kind == TokenKind::kSymbol) {
      for (const OpInfo& o : kOps) {
        if (!o.keyword && o.text == t.text) return &o;
      }
    } else if (t.kind == TokenKind::kIdentifier && !t.delimited) {
      for (const OpInfo& o : kOps) {
        if (o.keyword && o.text == t.text) return &o;
      }
    }
    return nullptr;
  }

  absl::StatusOr<NodePtr> Expr(int min_prec) {
    if (++depth_ > kMaxDepth) return Error(Peek().pos, "expression nested too deeply");
    absl::StatusOr<NodePtr> left = Unary();
    if (!left.ok()) return left;
    NodePtr lhs = *std::move(left);
    for (;;) {
      if ((IsKeyword("is") || IsKeyword("as")) && kTypeOpPrec >= min_prec) {
        const Token& op = Next();
        auto n = std::make_unique<Node>();
        n->kind = op.text == "is" ? NodeKind::kIs : NodeKind::kAs;
        n->pos = op.pos;
        absl::StatusOr<TypeSpec> spec = QualifiedType();
        if (!spec.ok()) return spec.status();
        n->type = *std::move(spec);
        n->args.push_back(std::move(lhs));
        lhs = std::move(n);
        continue;
      }
      const OpInfo* op = PeekBinary();
      if (op == nullptr || op->prec < min_prec) break;
      int pos = Next().pos;
      absl::StatusOr<NodePtr> rhs = Expr(op->prec + 1);
      if (!rhs.ok()) return rhs;
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kBinary;
      n->op = op->op;
      n->pos = pos;
      n->args.push_back(std::move(lhs));
      n->args.push_back(*std::move(rhs));
      lhs = std::move(n);
    }
    --depth_;
    return lhs;
  }

  absl::StatusOr<TypeSpec> QualifiedType() {
    if (Peek().kind != TokenKind::kIdentifier) return Error(Peek().pos, "expected a type name");
    TypeSpec spec;
    spec.name = Next().text;
    if (IsSymbol(".") && Peek(1).kind == TokenKind::kIdentifier) {
      Next();
      spec.ns = std::move(spec.name);
      spec.name = Next().text;
    }
    return spec;
  }

  absl::StatusOr<NodePtr> Unary() {
    if (IsSymbol("+") || IsSymbol("-")) {
      const Token& op = Next();
      bool negate = op.text == "-";
      int pos = op.pos;
      if (++depth_ > kMaxDepth) return Error(pos, "expression nested too deeply");
      absl::StatusOr<NodePtr> operand = Unary();
      --depth_;
      if (!operand.ok()) return operand;
      if (!negate) return operand;
      NodePtr o = *std::move(operand);
      // Fold negative numeric literals.
      if (o->kind == NodeKind::kLiteral) {
        const Item& l = o->literal;
        if (l.system_type() == SystemType::kInteger) {
          o->literal = Item::Integer(-l.int_value());
          return o;
        }
        if (l.system_type() == SystemType::kDecimal) {
          o->literal = Item::Dec(l.decimal_value().Negate());
          return o;
        }
        if (l.system_type() == SystemType::kQuantity) {
          Quantity q = l.quantity_value();
          q.value = q.value.Negate();
          o->literal = Item::Qty(std::move(q));
          return o;
        }
      }
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kNegate;
      n->pos = pos;
      n->args.push_back(std::move(o));
      return n;
    }
    return Postfix();
  }

  absl::StatusOr<NodePtr> Postfix() {
    absl::StatusOr<NodePtr> term = Term();
    if (!term.ok()) return term;
    NodePtr lhs = *std::move(term);
    for (;;) {
      if (IsSymbol(".")) {
        Next();
        absl::StatusOr<NodePtr> inv = Invocation(/*at_start=*/false);
        if (!inv.ok()) return inv;
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kPath;
        n->pos = (*inv)->pos;
        n->args.push_back(std::move(lhs));
        n->args.push_back(*std::move(inv));
        lhs = std::move(n);
      } else if (IsSymbol("[")) {
        int pos = Next().pos;
        absl::StatusOr<NodePtr> index = Expr(1);
        if (!index.ok()) return index;
        absl::Status st = Expect("]");
        if (!st.ok()) return st;
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kIndexer;
        n->pos = pos;
        n->args.push_back(std::move(lhs));
        n->args.push_back(*std::move(index));
        lhs = std::move(n);
      } else {
        return lhs;
      }
    }
  }

  absl::StatusOr<NodePtr> Invocation(bool at_start) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kVariable && at_start) return Variable();
    if (t.kind != TokenKind::kIdentifier) {
      std::string got = t.kind == TokenKind::kEnd ? "end of expression" : "'" + t.text + "'";
      return Error(t.pos, "expected an identifier but found " + got);
    }
    Next();
    auto n = std::make_unique<Node>();
    n->pos = t.pos;
    n->name = t.text;
    n->at_start = at_start;
    if (!IsSymbol("(")) {
      n->kind = NodeKind::kMember;
      return n;
    }
    Next();
    n->kind = NodeKind::kFunction;
    if (!IsSymbol(")")) {
      for (;;) {
        absl::StatusOr<NodePtr> arg = Expr(1);
        if (!arg.ok()) return arg;
        n->args.push_back(*std::move(arg));
        if (IsSymbol(",")) {
          Next();
          continue;
        }
        break;
      }
    }
    absl::Status st = Expect(")");
    if (!st.ok()) return st;
    st = ResolveFunction(*n);
    if (!st.ok()) return st;
    return n;
  }

  static std::optional<TypeSpec> TypeFromArg(const Node& arg) {
    if (arg.kind == NodeKind::kMember) return TypeSpec{"", arg.name};
    if (arg.kind == NodeKind::kPath && arg.args[0]->kind == NodeKind::kMember &&
        arg.args[1]->kind == NodeKind::kMember) {
      return TypeSpec{arg.args[0]->name, arg.args[1]->name};
    }
    return std::nullopt;
  }

  absl::Status ResolveFunction(Node& n) {
    const FunctionSpec* spec = FindFunction(n.name);
    if (spec == nullptr) return Error(n.pos, "unknown function '" + n.name + "'");
    int argc = static_cast<int>(n.args.size());
    if (argc < spec->min_args || argc > spec->max_args) {
      return Error(n.pos, "wrong number of arguments for " + n.name + "()");
    }
    n.fn = spec->id;
    if (n.fn == Fn::kIs || n.fn == Fn::kAs || n.fn == Fn::kOfType) {
      std::optional<TypeSpec> type = TypeFromArg(*n.args[0]);
      if (!type) return Error(n.args[0]->pos, n.name + "() needs a type name");
      n.type = *std::move(type);
    }
    if ((n.fn == Fn::kMatches || n.fn == Fn::kMatchesFull || n.fn == Fn::kReplaceMatches) &&
        n.args[0]->kind == NodeKind::kLiteral &&
        n.args[0]->literal.system_type() == SystemType::kString) {
      absl::StatusOr<std::unique_ptr<std::regex>> re =
          CompileRegex(n.args[0]->literal.string_value(), n.fn == Fn::kMatchesFull);
      if (!re.ok()) return Error(n.args[0]->pos, std::string(re.status().message()));
      n.regex = *std::move(re);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<NodePtr> Variable() {
    const Token& t = Next();
    auto n = std::make_unique<Node>();
    n->pos = t.pos;
    n->kind = t.text == "this"    ? NodeKind::kThis
              : t.text == "index" ? NodeKind::kIndex
                                  : NodeKind::kTotal;
    return n;
  }

  absl::StatusOr<NodePtr> Literal(Item item, int pos) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kLiteral;
    n->pos = pos;
    n->literal = std::move(item);
    return n;
  }

  absl::StatusOr<NodePtr> Term() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kString: {
        Next();
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kLiteral;
        n->pos = t.pos;
        n->name = t.text;
        // The node is heap-allocated and `name` never changes: the view stays valid.
        n->literal = Item::StringView(n->name);
        return n;
      }
      case TokenKind::kNumber: {
        Next();
        int pos = t.pos;
        std::string text = t.text;
        // Quantity: number followed by a unit string or a calendar keyword.
        if (Peek().kind == TokenKind::kString ||
            (Peek().kind == TokenKind::kIdentifier && !Peek().delimited &&
             !CalendarKeyword(Peek().text).empty())) {
          std::string unit = Next().text;
          std::optional<Decimal> v = Decimal::Parse(text);
          if (!v) return Error(pos, "malformed number");
          return Literal(Item::Qty(Quantity{*v, unit}), pos);
        }
        if (text.find('.') == std::string::npos) {
          std::optional<Decimal> v = Decimal::Parse(text);
          std::optional<int64_t> i = v ? v->ToInt64() : std::nullopt;
          if (!i || *i > 2147483647LL) {
            // Beyond 32-bit Integer: keep as a Decimal.
            if (!v) return Error(pos, "number out of range");
            return Literal(Item::Dec(*v), pos);
          }
          return Literal(Item::Integer(*i), pos);
        }
        std::optional<Decimal> v = Decimal::Parse(text);
        if (!v) return Error(pos, "malformed number");
        return Literal(Item::Dec(*v), pos);
      }
      case TokenKind::kLongNumber: {
        Next();
        std::optional<Decimal> v = Decimal::Parse(t.text);
        std::optional<int64_t> i = v ? v->ToInt64() : std::nullopt;
        if (!i) return Error(t.pos, "number out of range");
        return Literal(Item::Integer(*i), t.pos);
      }
      case TokenKind::kDate:
      case TokenKind::kDateTime:
      case TokenKind::kTime: {
        Next();
        std::optional<Temporal> v = t.kind == TokenKind::kDate   ? Temporal::ParseDate(t.text)
                                    : t.kind == TokenKind::kTime ? Temporal::ParseTime(t.text)
                                                                 : Temporal::ParseDateTime(t.text);
        if (!v) return Error(t.pos, "invalid date/time literal @" + t.text);
        return Literal(Item::Time(*v), t.pos);
      }
      case TokenKind::kVariable:
        return Variable();
      case TokenKind::kConstant: {
        Next();
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kConstant;
        n->pos = t.pos;
        n->name = t.text;
        return n;
      }
      case TokenKind::kSymbol: {
        if (t.text == "(") {
          Next();
          absl::StatusOr<NodePtr> inner = Expr(1);
          if (!inner.ok()) return inner;
          absl::Status st = Expect(")");
          if (!st.ok()) return st;
          return inner;
        }
        if (t.text == "{") {
          Next();
          absl::Status st = Expect("}");
          if (!st.ok()) return st;
          auto n = std::make_unique<Node>();
          n->kind = NodeKind::kEmpty;
          n->pos = t.pos;
          return n;
        }
        return Error(t.pos, "unexpected '" + t.text + "'");
      }
      case TokenKind::kIdentifier: {
        if (!t.delimited && (t.text == "true" || t.text == "false") && !IsSymbol("(", 1)) {
          Next();
          return Literal(Item::Boolean(t.text == "true"), t.pos);
        }
        return Invocation(/*at_start=*/true);
      }
      case TokenKind::kEnd:
        return Error(t.pos, "unexpected end of expression");
    }
    return Error(t.pos, "unexpected token");
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Parse(std::string_view expr) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(expr);
  if (!tokens.ok()) return tokens.status();
  return Parser(*std::move(tokens)).ParseAll();
}

}  // namespace tc::fhirpath
