package dev.hubtune.tokenizers.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded, generated corpus of awkward text for tokenizer parity: accents and combining marks,
 * CJK, emoji sequences, punctuation runs, odd whitespace, control characters, very long words,
 * numbers, URLs and mixed case, in many scripts.
 */
public final class TestCorpus {

    private static final String[] WORDS = {
        "the",
        "The",
        "THE",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dog",
        "Hello",
        "world",
        "tokenization",
        "unbelievable",
        "antidisestablishmentarianism",
        "iPhone",
        "McDonald's",
        "HTTPServer",
        "don't",
        "it's",
        "rock'n'roll",
        "we'll",
        "they're",
        "I'm",
        "you've",
        "e-mail",
        "state-of-the-art",
        "Café",
        "naïve",
        "résumé",
        "Ångström",
        "Straße",
        "façade",
        "jalapeño",
        "Zürich",
        "São",
        "Dvořák",
        "Łódź",
        "İstanbul",
        "ΟΔΟΣ",
        "Αθήνα",
        "Москва",
        "привет",
        "مرحبا",
        "שלום",
        "नमस्ते",
        "สวัสดี",
        "Tiếng",
        "Việt",
        "東京は日本の首都です",
        "我爱北京天安门",
        "한국어",
        "텍스트",
        "ひらがな",
        "カタカナ",
        "中文字符",
        "😀",
        "👍🏽",
        "👨‍👩‍👧‍👦",
        "🇫🇷",
        "❤️",
        "🤖🤖🤖",
        "✓",
        "™",
        "©",
        "°C",
        "½",
        "∑",
        "→",
        "!!!",
        "?!?!",
        "...",
        "—",
        "–",
        "«quoted»",
        "“smart”",
        "‘single’",
        "(parens)",
        "[brackets]",
        "{braces}",
        "#hashtag",
        "@user",
        "$100.00",
        "€42,50",
        "50%",
        "3.14159",
        "1,000,000",
        "2024-07-19",
        "12:30pm",
        "https://example.com/path?q=1&r=2",
        "user@example.org",
        "C++",
        "C#",
        "node.js",
        "x86_64",
        "<tag>",
        "e\u0301",
        "n\u0303",
        "A\u030A",
        "\uFB01",
        "Ⅻ",
        "ｆｕｌｌｗｉｄｔｈ",
        "\uFFFD",
        "don’t",
        "Pneumonoultramicroscopicsilicovolcanoconiosis",
        "supercalifragilisticexpialidocious",
    };

    private static final String[] SEPARATORS = {
        " ", " ", " ", " ", "  ", "\t", "\u00A0", "\u2003", "\u200B", "\u3000", " \n ", "\r", ",",
        "", "-", "/", "\u0007", "   ",
    };

    private TestCorpus() {}

    /** {@code n} lines from {@code seed}. */
    public static List<String> lines(long seed, int n) {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            if (r.nextInt(10) == 0) {
                sb.append("  "); // leading whitespace
            }
            int words = 1 + r.nextInt(24);
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    sb.append(SEPARATORS[r.nextInt(SEPARATORS.length)]);
                }
                int kind = r.nextInt(20);
                if (kind == 0) {
                    sb.append(longWord(r));
                } else if (kind == 1) {
                    sb.append(Integer.toString(r.nextInt(1_000_000)));
                } else {
                    sb.append(WORDS[r.nextInt(WORDS.length)]);
                }
            }
            if (r.nextInt(4) == 0) {
                sb.append(".!?;:".charAt(r.nextInt(5)));
            }
            if (r.nextInt(15) == 0) {
                sb.append("   "); // trailing whitespace
            }
            String line = sb.toString();
            lines.add(line.isBlank() ? "x" + line : line);
        }
        return lines;
    }

    private static String longWord(Random r) {
        int len = 20 + r.nextInt(140); // crosses WordPiece's 100-character limit
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return r.nextBoolean()
                ? sb.toString()
                : Character.toUpperCase(sb.charAt(0)) + sb.substring(1);
    }
}
