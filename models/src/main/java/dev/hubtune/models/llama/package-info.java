/**
 * The Llama-architecture decoder family ({@code model_type} llama, mistral, qwen2, gemma): RMSNorm,
 * rotary positions (with Llama 3's rescaling), grouped-query attention, gated MLPs, tied or untied
 * LM heads; its config, backbone and weight names.
 */
package dev.hubtune.models.llama;
