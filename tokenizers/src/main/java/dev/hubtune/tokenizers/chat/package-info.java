/** Chat templates: a model's Jinja {@code chat_template} rendered for a conversation. */
package dev.hubtune.tokenizers.chat;
