// SPDX-License-Identifier: MIT
// tests/examples/tokenizer/test_chat_template.cpp - chat prompt formats chosen from
// tokenizer.chat_template. Expected strings are written out by hand from each format's definition
// (ChatML: Qwen's tokenizer_config.json template; Llama-3: Meta's; bitnet: MODELS.md §6.3).
#include "catch.hpp"
#include "convert/convert.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace trex;

namespace {

tokenizer with_template(const std::string& tmpl) {
  vocab_data v = synthetic_vocab(300);
  v.chat_template = tmpl;
  return tokenizer(v);
}

}  // namespace

TEST_CASE("chat template: ChatML, Llama-3 and bitnet formats", "[tokenizer][chat]") {
  const std::vector<chat_message> msgs = {{"system", "Be brief."}, {"user", "Hi"}};
  // Qwen3's template (abridged: only the marker decides the format).
  const tokenizer chatml = with_template(
      "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + "
      "'<|im_end|>' + '\\n' }}{%- endfor %}");
  CHECK(chatml.apply_chat_template(msgs) ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  CHECK(chatml.apply_chat_template({{"user", "Hi"}}, false) == "<|im_start|>user\nHi<|im_end|>\n");
  const tokenizer llama3 = with_template("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}");
  CHECK(llama3.apply_chat_template({{"user", "Hi"}}) ==
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  const tokenizer none = with_template("");
  CHECK(none.apply_chat_template(msgs) == "System: Be brief.User: Hi<|eot_id|>Assistant: ");
}
