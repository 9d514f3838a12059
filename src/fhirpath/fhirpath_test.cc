#include "fhirpath/fhirpath.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fhir/json.h"
#include "fhirpath/lexer.h"
#include "fhirpath/operations.h"
#include "fhirpath/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::fhirpath {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const fhir::Definitions& Defs() {
  static const fhir::Definitions* defs = [] {
    absl::StatusOr<std::unique_ptr<fhir::Definitions>> d = fhir::Definitions::LoadEmbedded();
    EXPECT_TRUE(d.ok()) << d.status();
    return d->release();
  }();
  return *defs;
}

constexpr std::string_view kPatient = R"({
  "resourceType": "Patient", "id": "p1",
  "contained": [{"resourceType": "Organization", "id": "org", "name": "Wing A"}],
  "active": true,
  "name": [
    {"use": "official", "family": "Smith", "given": ["Ann", "Marie"]},
    {"use": "usual", "given": ["Annie"], "_given": [{"extension": [
      {"url": "http://example.org/x", "valueString": "nick"}]}]}
  ],
  "birthDate": "1980-05-17",
  "managingOrganization": {"reference": "#org"}
})";

constexpr std::string_view kObservation = R"({
  "resourceType": "Observation", "id": "o1", "status": "final",
  "code": {"text": "weight"},
  "valueQuantity": {"value": 72.50, "unit": "kg", "system": "http://unitsofmeasure.org",
                    "code": "kg"}
})";

fhir::Value Json(std::string_view text) {
  absl::StatusOr<fhir::Value> v = fhir::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

// Evaluates and renders each item as text (or its type name for complex values).
std::vector<std::string> Eval(std::string_view expr, const fhir::Value& resource) {
  absl::StatusOr<Expression> e = Compile(expr, Defs());
  EXPECT_TRUE(e.ok()) << expr << ": " << e.status();
  if (!e.ok()) return {"<compile error>"};
  absl::StatusOr<Collection> r = Evaluate(*e, resource);
  EXPECT_TRUE(r.ok()) << expr << ": " << r.status();
  if (!r.ok()) return {"<eval error>"};
  std::vector<std::string> out;
  for (const Item& i : *r) out.push_back(ToText(i).value_or("<" + TypeNameOf(i) + ">"));
  return out;
}

TEST(Lexer, TokensAndLiterals) {
  absl::StatusOr<std::vector<Token>> t =
      Tokenize("Patient.name[0] != 'a\\'b' and @2015-02-04T14:34+10:00 // c\n<= %ucum");
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<std::string> texts;
  for (const Token& tok : *t) texts.push_back(tok.text);
  EXPECT_THAT(texts, ElementsAre("Patient", ".", "name", "[", "0", "]", "!=", "a'b", "and",
                                 "2015-02-04T14:34+10:00", "<=", "ucum", ""));
  EXPECT_EQ((*t)[9].kind, TokenKind::kDateTime);
}

TEST(Lexer, Errors) {
  EXPECT_THAT(std::string(Tokenize("'open").status().message()), HasSubstr("offset 0"));
  EXPECT_THAT(std::string(Tokenize("1 + /* never closed").status().message()),
              HasSubstr("unterminated comment"));
  EXPECT_FALSE(Tokenize("@T14:34:28Z").ok());  // a time has no zone
  EXPECT_FALSE(Tokenize("a # b").ok());
  EXPECT_FALSE(Tokenize("$other").ok());
}

TEST(Parser, ErrorsCarryPositions) {
  struct Case {
    std::string_view expr;
    std::string_view message;
  };
  for (const Case& c :
       {Case{"2 + 2 /", "offset 7"}, Case{"name.", "expected an identifier"},
        Case{"name.where(use = 'x'", "expected ')'"},
        Case{"name.frobnicate()", "unknown function 'frobnicate'"},
        Case{"name.first(1)", "wrong number of arguments"}, Case{"(1 + 2", "expected ')'"},
        Case{"1 2", "unexpected '2'"}, Case{"'a'.matches('(')", "invalid regular expression"},
        Case{"@2015-13-01", "invalid date/time"}}) {
    absl::StatusOr<std::unique_ptr<Node>> ast = Parse(c.expr);
    ASSERT_FALSE(ast.ok()) << c.expr;
    EXPECT_EQ(ast.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(ast.status().message()), HasSubstr(c.message)) << c.expr;
  }
}

TEST(Parser, Precedence) {
  fhir::Value empty = fhir::Value::Object();
  EXPECT_THAT(Eval("1 + 2 * 3", empty), ElementsAre("7"));
  EXPECT_THAT(Eval("-2.5.abs()", empty), ElementsAre("-2.5"));  // unary minus binds looser
  EXPECT_THAT(Eval("(1 | 1 is Integer).count()", empty), ElementsAre("2"));
  EXPECT_THAT(Eval("true and 'a' in ('a' | 'b')", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("false implies {}", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("10 div 3 + 10 mod 3", empty), ElementsAre("4"));
}

TEST(Compile, RejectsUnknownTypes) {
  EXPECT_FALSE(Compile("name.ofType(Strng)", Defs()).ok());
  EXPECT_FALSE(Compile("value as FHIR.Nope", Defs()).ok());
  EXPECT_TRUE(Compile("value as Quantity", Defs()).ok());
}

TEST(Compile, StaticTypeChecksWithContextType) {
  CompileOptions opts;
  opts.context_type = "Patient";
  EXPECT_TRUE(Compile("Patient.name.where(use = 'official').given.first()", Defs(), opts).ok());
  EXPECT_TRUE(Compile("contained.name | extension('x').value", Defs(), opts).ok());
  absl::StatusOr<Expression> e = Compile("name.given1", Defs(), opts);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("no element 'given1' on HumanName"));
  EXPECT_FALSE(Compile("Encounter.status", Defs(), opts).ok());
  opts.context_type = "Observation";
  EXPECT_TRUE(Compile("(value as Quantity).unit", Defs(), opts).ok());
  EXPECT_FALSE(Compile("(value as Period).unit", Defs(), opts).ok());
  EXPECT_TRUE(Compile("children().skip(1)", Defs(), opts).ok());
  opts.check_ordered_functions = true;
  EXPECT_FALSE(Compile("children().skip(1)", Defs(), opts).ok());
  opts.context_type = "NoSuchType";
  EXPECT_FALSE(Compile("id", Defs(), opts).ok());
}

TEST(Compile, EverySearchParameterExpressionOfR4) {
  int compiled = 0;
  for (const std::string& type : Defs().ResourceTypeNames()) {
    fhir::Value resource = fhir::Value::Object();
    resource.Set("resourceType", fhir::Value::String(type));
    for (const fhir::SearchParamDef* sp : Defs().SearchParamsFor(type)) {
      if (sp->expression.empty()) continue;
      absl::StatusOr<Expression> e = Compile(sp->expression, Defs());
      EXPECT_TRUE(e.ok()) << sp->url << ": " << e.status();
      if (!e.ok()) continue;
      absl::StatusOr<Collection> r = Evaluate(*e, resource);
      EXPECT_TRUE(r.ok()) << sp->url << ": " << r.status();
      ++compiled;
    }
  }
  EXPECT_GT(compiled, 1000);
}

TEST(Evaluate, Navigation) {
  fhir::Value p = Json(kPatient);
  EXPECT_THAT(Eval("Patient.name.where(use = 'official').given.first()", p), ElementsAre("Ann"));
  EXPECT_THAT(Eval("name.given", p), ElementsAre("Ann", "Marie", "Annie"));
  EXPECT_THAT(Eval("name[1].given.extension('http://example.org/x').value", p),
              ElementsAre("nick"));
  EXPECT_THAT(Eval("managingOrganization.resolve().name", p), ElementsAre("Wing A"));
  EXPECT_THAT(Eval("contained.ofType(Organization).id", p), ElementsAre("org"));
  EXPECT_THAT(Eval("birthDate < @2000-01-01", p), ElementsAre("true"));
  EXPECT_THAT(Eval("birthDate < @1980-05-17T10:00", p), ElementsAre());  // unknown
  EXPECT_THAT(Eval("active.type().name", p), ElementsAre("boolean"));
}

TEST(Evaluate, ChoiceElementsAndQuantities) {
  fhir::Value o = Json(kObservation);
  EXPECT_THAT(Eval("Observation.value.ofType(Quantity).value", o), ElementsAre("72.50"));
  EXPECT_THAT(Eval("value > 70000 'g'", o), ElementsAre("true"));
  EXPECT_THAT(Eval("value = 72.5 'kg'", o), ElementsAre("true"));
  EXPECT_THAT(Eval("value is Quantity", o), ElementsAre("true"));
  absl::StatusOr<Expression> e = Compile("Observation.valueQuantity", Defs());
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(Evaluate(*e, o).ok());
  CompileOptions lenient;
  lenient.allow_choice_type_suffix = true;
  e = Compile("Observation.valueQuantity.unit", Defs(), lenient);
  ASSERT_TRUE(e.ok());
  absl::StatusOr<Collection> r = Evaluate(*e, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
}

TEST(Evaluate, Semantics) {
  fhir::Value empty = fhir::Value::Object();
  EXPECT_THAT(Eval("0.1 + 0.2 = 0.3", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("1.0 / 3", empty), ElementsAre("0.333333333"));
  EXPECT_THAT(Eval("{} = 1", empty), ElementsAre());
  EXPECT_THAT(Eval("'Abc' ~ 'aBC '", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("@2019-01-31 + 1 month", empty), ElementsAre("2019-02-28"));
  EXPECT_THAT(Eval("1 year = 12 months", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("1 year = 1 'a'", empty), ElementsAre());
  EXPECT_THAT(Eval("37 'Cel' > 98 '[degF]'", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("120 'mm[Hg]' > 15 'kPa'", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("2 'h' = 120 'min'", empty), ElementsAre("true"));
  EXPECT_THAT(Eval("(1 | 2 | 3).aggregate($this + $total, 0)", empty), ElementsAre("6"));
  for (std::string_view same :
       {"1 'L' = 1000 'mL'", "1 'kg' = 1000000 'mg'", "1 'wk' = 7 'd'", "1 'a' = 12 'mo'",
        "0 'Cel' = 32 '[degF]'", "1 'mg/dL' = 10 'mg/L'", "1 day = 24 'h'", "1 '[lb_av]' > 450 'g'",
        "(2 'g').toQuantity('mg') = 2000 'mg'", "5 'mmol/L' ~ 5.0 'mmol/L'"}) {
    EXPECT_THAT(Eval(same, empty), ElementsAre("true")) << same;
  }
  EXPECT_THAT(Eval("1 'kg' = 1 'L'", empty), ElementsAre());  // different dimensions
  EXPECT_THAT(Eval("'a-b-c'.replaceMatches('-(.)', '+$1')", empty), ElementsAre("a+b+c"));
}

TEST(Evaluate, RuntimeErrors) {
  fhir::Value p = Json(kPatient);
  for (std::string_view expr : {"name.given + 1", "(1 | 2).not()", "name.single()", "'a' - 'b'",
                                "%unknown", "name.given.substring('x')"}) {
    absl::StatusOr<Expression> e = Compile(expr, Defs());
    ASSERT_TRUE(e.ok()) << expr;
    EXPECT_FALSE(Evaluate(*e, p).ok()) << expr;
  }
}

TEST(Evaluate, Variables) {
  fhir::Value p = Json(kPatient);
  absl::StatusOr<Expression> e = Compile("name.given.where($this = %wanted)", Defs());
  ASSERT_TRUE(e.ok());
  EvalContext ctx;
  ctx.variables.push_back({"wanted", Collection{Item::String("Marie")}});
  absl::StatusOr<Collection> r = Evaluate(*e, p, ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(LocationOf(p, (*r)[0]), "Patient.name[0].given[1]");
}

TEST(Location, Paths) {
  fhir::Value p = Json(kPatient);
  absl::StatusOr<Expression> e =
      Compile("name.given | birthDate | contained.name | name[1].given.extension", Defs());
  ASSERT_TRUE(e.ok());
  absl::StatusOr<Collection> r = Evaluate(*e, p);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> where;
  for (const Item& i : *r) where.push_back(LocationOf(p, i));
  EXPECT_THAT(where,
              ElementsAre("Patient.name[0].given[0]", "Patient.name[0].given[1]",
                          "Patient.name[1].given[0]", "Patient.birthDate",
                          "Patient.contained[0].name", "Patient.name[1].given[0].extension[0]"));
  EXPECT_EQ(LocationOf(p, Item::Integer(1)), "");
}

TEST(Evaluate, ClockIsInjected) {
  base::FakeClock clock(absl::FromUnixSeconds(1700000000));  // 2023-11-14T22:13:20Z
  absl::StatusOr<Expression> e = Compile("today().toString() & ' ' & now().toString()", Defs());
  ASSERT_TRUE(e.ok());
  EvalContext ctx;
  ctx.clock = &clock;
  absl::StatusOr<Collection> r = Evaluate(*e, fhir::Value::Object(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ToText((*r)[0]), "2023-11-14 2023-11-14T22:13:20.000Z");
}

TEST(Evaluate, ConcurrentEvaluationOfOneExpression) {
  fhir::Value p = Json(kPatient);
  absl::StatusOr<Expression> e = Compile("name.where(use = 'usual').given.first()", Defs());
  ASSERT_TRUE(e.ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        absl::StatusOr<Collection> r = Evaluate(*e, p);
        if (r.ok() && r->size() == 1 && ToText((*r)[0]) == "Annie") ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
}

}  // namespace
}  // namespace tc::fhirpath
