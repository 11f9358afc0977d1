/** Fresh, randomly initialised models (presets or any HF config) to train from scratch. */
package dev.hubtune.models.init;
