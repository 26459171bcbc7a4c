package io.github.wsclose;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The payloads of the compression cases (sections 12 and 13), in the suite's order: the suite's
 * own five files, unchanged, from {@code src/test/resources/autobahn-testsuite/} (where a NOTICE
 * names their source and licence).
 *
 * <p>The suite cuts each case's messages from its file one after the other, wrapping round at
 * the end. It cuts a binary file in bytes and a text file in characters (code points of the
 * decoded UTF-8), so a text message of N characters may be longer than N bytes; this class cuts
 * them the same way. Thread-safe; each file is read once.
 */
enum CompressionTestData {
    /** Large JSON data (text): a report of the suite's own, 194,056 bytes. */
    JSON("data1.json", false),
    /** A 512x512 greyscale bitmap (binary), 263,222 bytes. */
    BITMAP("lena512.bmp", true),
    /** Goethe's Faust I in German, from Project Gutenberg (binary, as the suite sends it), 222,218 bytes. */
    BOOK("pg2229.txt", true),
    /** Large HTML (text): a report of the suite's own, 263,647 bytes. */
    HTML("data1.html", false),
    /** A larger PDF (binary), 1,042,328 bytes. */
    PDF("10.1.1.105.5439.pdf", true);

    private static final String DIRECTORY = "/autobahn-testsuite/";

    private final String file;
    private final boolean binary;

    // read on first use: the file's bytes, and where each unit the suite counts (a byte or a character) starts
    private byte[] bytes;
    private int[] starts;

    CompressionTestData(String file, boolean binary) {
        this.file = file;
        this.binary = binary;
    }

    /** The file's name in the suite's {@code testdata} directory. */
    String file() {
        return file;
    }

    boolean binary() {
        return binary;
    }

    /** The file's length in the suite's units: bytes for a binary file, characters for a text file. */
    synchronized int units() {
        load();
        return starts.length - 1;
    }

    /** The file as it is, all its bytes. */
    synchronized byte[] bytes() {
        load();
        return bytes.clone();
    }

    /**
     * Message {@code i} of {@code size} units (bytes or characters), as the suite cuts it: the
     * messages follow one another through the file, wrapping round at its end.
     */
    synchronized byte[] slice(int i, int size) {
        load();
        int units = starts.length - 1;
        if (size > units) {
            throw new IllegalArgumentException("message of " + size + " units longer than " + file + " (" + units + ")");
        }
        int from = (int) ((long) i * size % units);
        int to = from + size;
        if (to <= units) {
            return copy(from, to, new byte[starts[to] - starts[from]], 0);
        }
        to -= units; // the tail of the file, then its head
        int tail = starts[units] - starts[from];
        byte[] message = new byte[tail + starts[to]];
        copy(from, units, message, 0);
        return copy(0, to, message, tail);
    }

    /** Copies units {@code from} to {@code to} into {@code target} at {@code at}; returns {@code target}. */
    private byte[] copy(int from, int to, byte[] target, int at) {
        System.arraycopy(bytes, starts[from], target, at, starts[to] - starts[from]);
        return target;
    }

    private void load() {
        if (bytes != null) {
            return;
        }
        try (InputStream in = CompressionTestData.class.getResourceAsStream(DIRECTORY + file)) {
            if (in == null) {
                throw new IllegalStateException("test resource missing: " + DIRECTORY + file);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DIRECTORY + file, e);
        }
        starts = binary ? byteStarts(bytes.length) : characterStarts(bytes);
    }

    private static int[] byteStarts(int length) {
        int[] starts = new int[length + 1];
        for (int i = 0; i <= length; i++) {
            starts[i] = i;
        }
        return starts;
    }

    /** The offset of each code point of UTF-8 {@code text}, and its length last. */
    private static int[] characterStarts(byte[] text) {
        if (!AutobahnCases.isValidUtf8(text)) {
            throw new IllegalStateException("a text payload that is not UTF-8");
        }
        String decoded = new String(text, StandardCharsets.UTF_8);
        int[] starts = new int[decoded.codePointCount(0, decoded.length()) + 1];
        int unit = 0;
        for (int i = 0; i < text.length; i++) {
            if ((text[i] & 0xC0) != 0x80) { // not a continuation byte: a code point starts here
                starts[unit++] = i;
            }
        }
        starts[unit] = text.length;
        return starts;
    }
}
