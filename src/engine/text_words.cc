#include "engine/text_words.h"

#include "absl/container/flat_hash_set.h"

namespace tc::engine {

std::vector<std::string> WordsOfMarkup(std::string_view s) {
  std::vector<std::string> words;
  absl::flat_hash_set<std::string> seen;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && words.size() < kMaxWords && seen.insert(word).second) {
      words.push_back(word);
    }
    word.clear();
  };
  bool in_tag = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (c == '<') {
      flush();
      in_tag = true;
    } else if (c == '&') {  // a character reference separates words
      flush();
      while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '<') ++i;
      if (i < s.size() && s[i] == '<') --i;
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c >= 0x80) {
      word.push_back(static_cast<char>(c));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

}  // namespace tc::engine
