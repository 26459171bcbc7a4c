package io.github.wsclose;

import static io.github.wsclose.AutobahnCases.bytes;
import static io.github.wsclose.AutobahnCases.hex;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The byte sequences of Autobahn cases 6.5 to 6.23, one group per subsection, in the suite's
 * order: the sequences of Markus Kuhn's UTF-8 decoder stress test, valid and invalid. Whether
 * each is valid UTF-8 is not stored: the strict decoder of the JDK says it.
 */
final class Utf8Sequences {

    private Utf8Sequences() {
    }

    static List<List<byte[]>> groups() {
        byte[] kosme = hex("cebae1bdb9cf83cebcceb5");
        List<List<byte[]>> groups = new ArrayList<>();
        groups.add(List.of(bytes("hello$world"), hex("68656c6c6fc2a2776f726c64"), hex("68656c6c6fe282ac776f726c64"),
                hex("68656c6c6ff0a4ada2776f726c64"), kosme)); // 6.5: valid sequences
        List<byte[]> prefixes = new ArrayList<>();
        for (int i = 1; i <= kosme.length; i++) {
            prefixes.add(Arrays.copyOf(kosme, i));
        }
        groups.add(prefixes); // 6.6: every prefix of a string of multi-byte code points
        groups.add(hexes("00", "c280", "e0a080", "f0908080")); // 6.7: first sequence of each length
        groups.add(hexes("f888808080", "fc8480808080")); // 6.8: first of length 5 and 6
        groups.add(hexes("7f", "dfbf", "efbfbf", "f48fbfbf")); // 6.9: last of each length
        groups.add(hexes("f7bfbfbf", "fbbfbfbfbf", "fdbfbfbfbfbf")); // 6.10: last of length 4, 5, 6
        groups.add(hexes("ed9fbf", "ee8080", "efbfbd", "f48fbfbf", "f4908080")); // 6.11: other boundaries
        List<byte[]> continuations = new ArrayList<>(hexes("80", "bf", "80bf", "80bf80", "80bf80bf", "80bf80bf80", "80bf80bf80bf"));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int b = 0x80; b < 0xBF; b++) {
            all.write(b);
        }
        continuations.add(all.toByteArray());
        groups.add(continuations); // 6.12: unexpected continuation bytes
        int[][] starts = {{0xC0, 0xDF}, {0xE0, 0xEF}, {0xF0, 0xF7}, {0xF8, 0xFB}, {0xFC, 0xFD}};
        List<byte[]> lonely = new ArrayList<>();
        for (int[] range : starts) {
            ByteArrayOutputStream spaced = new ByteArrayOutputStream();
            for (int b = range[0]; b < range[1]; b++) {
                spaced.write(b);
                spaced.write(0x20);
            }
            lonely.add(spaced.toByteArray());
        }
        groups.add(lonely); // 6.13: lonely start bytes, each followed by a space
        List<byte[]> truncated = hexes("c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf");
        groups.add(truncated); // 6.14: last continuation byte missing
        ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
        truncated.forEach(concatenated::writeBytes);
        groups.add(List.of(concatenated.toByteArray())); // 6.15: all of them concatenated
        groups.add(hexes("fe", "ff", "fefeffff")); // 6.16: impossible bytes
        groups.add(hexes("c0af", "e080af", "f08080af", "f8808080af", "fc80808080af")); // 6.17: overlong '/'
        groups.add(hexes("c1bf", "e09fbf", "f08fbfbf", "f887bfbfbf", "fc83bfbfbfbf")); // 6.18: maximum overlong
        groups.add(hexes("c080", "e08080", "f0808080", "f880808080", "fc8080808080")); // 6.19: overlong NUL
        groups.add(hexes("eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf")); // 6.20: single surrogates
        groups.add(hexes("eda080edb080", "eda080edbfbf", "edadbfedb080", "edadbfedbfbf", "edae80edb080", "edae80edbfbf",
                "edafbfedb080", "edafbfedbfbf")); // 6.21: paired surrogates
        List<byte[]> nonCharacters = new ArrayList<>(hexes("efbfbe", "efbfbf"));
        for (int z1 = 0xF0; z1 <= 0xF4; z1++) {
            for (int z2 : new int[] {0x8F, 0x9F, 0xAF, 0xBF}) {
                if (z1 == 0xF4 && z2 != 0x8F) {
                    continue; // above U+10FFFF
                }
                for (int z3 : new int[] {0xBE, 0xBF}) {
                    if (z1 == 0xF0 && z2 == 0x8F) {
                        continue; // overlong
                    }
                    nonCharacters.add(new byte[] {(byte) z1, (byte) z2, (byte) 0xBF, (byte) z3});
                }
            }
        }
        groups.add(nonCharacters); // 6.22: non-characters, valid UTF-8
        groups.add(hexes("efbfb9", "efbfba", "efbfbb", "efbfbc", "efbfbd", "efbfbe", "efbfbf")); // 6.23: specials
        return groups;
    }

    private static List<byte[]> hexes(String... hexes) {
        return Arrays.stream(hexes).map(AutobahnCases::hex).toList();
    }
}
