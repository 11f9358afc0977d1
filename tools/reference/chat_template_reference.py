"""Golden renderings of chat templates by transformers' apply_chat_template (Python's jinja2), for
hubtune's ChatTemplateParityTest (Jinjava). Each case: a template in the style of a real model
family (ChatML as SmolLM2 and Qwen2 write it, Llama 3's header tokens with bos_token, and a
Mistral-style template that checks role alternation with raise_exception and trims), a
conversation, and the text transformers renders with and without the generation prompt.

    tools/reference/.venv/bin/python tools/reference/chat_template_reference.py
"""
import json
import pathlib

import transformers
from transformers import PreTrainedTokenizerFast
from tokenizers import Tokenizer, models

OUT = pathlib.Path(__file__).resolve().parents[2] / (
    "tokenizers/src/test/resources/reference/chat-templates.json"
)

TEMPLATES = {
    "chatml-smollm2": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
        "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    ),
    "mistral-alternation": (
        "{{ bos_token }}{% for message in messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
        "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
    ),
}

CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [
        {"role": "system", "content": "You answer in one word."},
        {"role": "user", "content": "Capital of Italy?"},
        {"role": "assistant", "content": "Rome"},
        {"role": "user", "content": "  And of Spain?  "},
    ],
    [
        {"role": "user", "content": "Héllo, 世界 🙂"},
        {"role": "assistant", "content": "Hi!\nHow can I help?"},
        {"role": "user", "content": "reverse the word stone"},
    ],
]


def main():
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>")),
        bos_token="<s>",
        eos_token="</s>",
    )
    cases = []
    for name, template in TEMPLATES.items():
        for conversation in CONVERSATIONS:
            for generation in (False, True):
                try:
                    text = tok.apply_chat_template(
                        conversation,
                        chat_template=template,
                        tokenize=False,
                        add_generation_prompt=generation,
                    )
                    error = None
                except Exception as e:  # the template raised
                    text, error = None, str(e)
                cases.append(
                    {
                        "template": name,
                        "messages": conversation,
                        "add_generation_prompt": generation,
                        "text": text,
                        "error": error,
                    }
                )
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/chat_template_reference.py",
                "transformers": transformers.__version__,
                "special_tokens": {"bos_token": "<s>", "eos_token": "</s>"},
                "templates": TEMPLATES,
                "cases": cases,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
