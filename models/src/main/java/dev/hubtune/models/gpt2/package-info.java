/** GPT-2: the decoder graph (training and cached generation), its weights, and text generation. */
package dev.hubtune.models.gpt2;
