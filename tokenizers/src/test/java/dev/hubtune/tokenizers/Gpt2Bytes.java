package dev.hubtune.tokenizers;

import java.util.ArrayList;
import java.util.List;

/** GPT-2's byte-to-unicode table (printable bytes map to themselves, the rest to 256+). */
public final class Gpt2Bytes {
    private Gpt2Bytes() {}

    /** Symbol of each byte value 0..255. */
    public static List<String> symbols() {
        String[] table = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable =
                    (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? String.valueOf((char) b) : null;
        }
        for (int b = 0; b < 256; b++) {
            if (table[b] == null) {
                table[b] = String.valueOf((char) (256 + n++));
            }
        }
        return new ArrayList<>(List.of(table));
    }
}
