package session_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestREADMEProgramsAreTheTestedFiles: every code block of README.md
// marked "<!-- file: PATH -->" is the whole of that file, and every one
// marked "<!-- from: PATH -->" a part of it, so that what the README shows
// is what the tests compile and run.
func TestREADMEProgramsAreTheTestedFiles(t *testing.T) {
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		mark, path string
		block      *strings.Builder
		checked    int
	)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		switch {
		case block != nil && text == "```":
			checkBlock(t, mark, path, block.String())
			block, mark = nil, ""
			checked++
		case block != nil:
			block.WriteString(text + "\n")
		case strings.HasPrefix(text, "<!-- file: ") || strings.HasPrefix(text, "<!-- from: "):
			mark = text[5:9]
			path = strings.TrimSuffix(strings.TrimSpace(text[11:]), "-->")
			path = strings.TrimSpace(path)
		case mark != "" && strings.HasPrefix(text, "```"):
			block = new(strings.Builder)
		case mark != "" && text != "":
			t.Errorf("README.md:%d: %q is not followed by a code block", line, mark+" "+path)
			mark = ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("README.md marks no code block with its file")
	}
}

func checkBlock(t *testing.T, mark, path, block string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("README.md quotes %s: %v", path, err)
		return
	}
	switch file := string(b); {
	case mark == "file" && file != block:
		t.Errorf("README.md's copy of %s differs from the file: copy the file again", path)
	case mark == "from" && !strings.Contains(file, block):
		t.Errorf("README.md's excerpt of %s is not in the file:\n%s", path, block)
	}
}
