package dev.sparkj.spark.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageFolderTest {
    @TempDir Path dir;

    private void png(String rel) throws IOException {
        TestImages.write(dir.resolve(rel), TestImages.png(TestImages.rgbPattern(3, 2)));
    }

    @Test void nestedFoldersGiveSortedFilesAndClasses() throws IOException {
        png("zebra/b.png");
        png("zebra/A.JPG");        // a PNG named .JPG: extension case-insensitive, content decides the decoder
        png("ant/x.jpeg");
        png("ant/sub/deep.PnG");
        png("ant/.hidden.png");
        png(".cache/c.png");
        Files.writeString(dir.resolve("ant/readme.txt"), "not an image");
        Files.createDirectories(dir.resolve("empty"));
        ImageFolder f = ImageFolder.open(dir);
        assertEquals(List.of("ant/sub/deep.PnG", "ant/x.jpeg", "zebra/A.JPG", "zebra/b.png"), f.files());
        assertEquals(List.of("ant", "zebra"), f.classes());
        assertEquals(0, f.label(0));
        assertEquals(0, f.label(1));
        assertEquals(1, f.label(2));
        assertEquals(1, f.label(3));
        assertEquals(dir.resolve("zebra/A.JPG").toString(), f.describe(2));
        assertEquals(2, f.load(2).height());
    }

    @Test void flatFolderIsUnlabelled() throws IOException {
        png("img10.png");
        png("img2.png");
        png("IMG1.jpg");
        ImageFolder f = ImageFolder.open(dir);
        assertEquals(List.of("IMG1.jpg", "img10.png", "img2.png"), f.files());   // plain string order
        assertTrue(f.classes().isEmpty());
        assertEquals(-1, f.label(0));
    }

    @Test void emptyOrMissingFolderFailsClearly() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ImageFolder.open(dir));
        assertTrue(e.getMessage().contains("no .jpg/.jpeg/.png images"), e.getMessage());
        assertThrows(IOException.class, () -> ImageFolder.open(dir.resolve("nope")));
    }
}
