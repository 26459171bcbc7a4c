package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The payloads of the compression cases (sections 12 and 13), in the suite's order: three of the
 * suite's five files, unchanged, from {@code src/test/resources/autobahn-testsuite/} (where a
 * NOTICE names their source and licence), and, for the two whose own licences do not let them be
 * passed on (a photograph and a paper the suite took from the web), stand-ins of the same kind
 * and length generated from a fixed seed: a greyscale bitmap and a PDF of compressed streams.
 *
 * <p>The suite cuts each case's messages from its file one after the other, wrapping round at
 * the end. It cuts a binary file in bytes and a text file in characters (code points of the
 * decoded UTF-8), so a text message of N characters may be longer than N bytes; this class cuts
 * them the same way. Thread-safe; each file is read once.
 */
enum CompressionTestData {
    /** Large JSON data (text): a report of the suite's own, 194,056 bytes. */
    JSON("data1.json", false),
    /** A 512x512 greyscale bitmap (binary), 263,222 bytes: a generated stand-in. */
    BITMAP(null, true),
    /** Goethe's Faust I in German, from Project Gutenberg (binary, as the suite sends it), 222,218 bytes. */
    BOOK("pg2229.txt", true),
    /** Large HTML (text): a report of the suite's own, 263,647 bytes. */
    HTML("data1.html", false),
    /** A larger PDF, mostly compressed streams (binary), 1,042,328 bytes: a generated stand-in. */
    PDF(null, true);

    private static final String DIRECTORY = "/autobahn-testsuite/";
    private static final int BITMAP_BYTES = 263_222;
    private static final int PDF_BYTES = 1_042_328;

    private final @Nullable String file;
    private final boolean binary;

    // read on first use: the file's bytes, and where each unit the suite counts (a byte or a character) starts
    private byte[] bytes;
    private int[] starts;

    CompressionTestData(@Nullable String file, boolean binary) {
        this.file = file;
        this.binary = binary;
    }

    /** The file's name in the suite's {@code testdata} directory, null for a generated stand-in. */
    @Nullable String file() {
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
            throw new IllegalArgumentException("message of " + size + " units longer than " + this + " (" + units + ")");
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
        bytes = switch (this) {
            case BITMAP -> bitmap(new Random(name().hashCode()));
            case PDF -> pdf(new Random(name().hashCode()));
            default -> read(DIRECTORY + file);
        };
        starts = binary ? byteStarts(bytes.length) : characterStarts(bytes);
    }

    private static byte[] read(String resource) {
        try (InputStream in = CompressionTestData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource missing: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** A 512x512 8-bit greyscale bitmap of smooth shades and some noise, as a photograph compresses. */
    private static byte[] bitmap(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(BITMAP_BYTES);
        byte[] header = new byte[BITMAP_BYTES - 512 * 512]; // file header, info header and a 256-entry grey palette
        header[0] = 'B';
        header[1] = 'M';
        for (int i = 0; i < 256; i++) {
            Arrays.fill(header, 54 + 4 * i, 54 + 4 * i + 3, (byte) i);
        }
        out.writeBytes(header);
        for (int y = 0; y < 512; y++) {
            for (int x = 0; x < 512; x++) {
                double shade = 128 + 60 * Math.sin(x / 37.0) * Math.cos(y / 23.0) + 30 * Math.sin((x + y) / 91.0);
                out.write((int) Math.max(0, Math.min(255, shade + random.nextGaussian() * 6)));
            }
        }
        return out.toByteArray();
    }

    /** A PDF of random (that is, already compressed) streams, as a PDF of flate streams compresses. */
    private static byte[] pdf(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(PDF_BYTES + 32_768);
        out.writeBytes(ascii("%PDF-1.4\n"));
        for (int object = 1; out.size() < PDF_BYTES; object++) {
            int size = 2000 + random.nextInt(20_000);
            out.writeBytes(ascii(object + " 0 obj\n<< /Length " + size + " /Filter /FlateDecode >>\nstream\n"));
            byte[] stream = new byte[size];
            random.nextBytes(stream);
            out.writeBytes(stream);
            out.writeBytes(ascii("\nendstream\nendobj\n"));
        }
        return Arrays.copyOf(out.toByteArray(), PDF_BYTES);
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
