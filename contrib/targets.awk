# Print doc/targets.md's "Targets" table for 'make help': each target, then its
# description without Markdown, wrapped at 78 columns.
/^## Targets/ { on = 1; next }
on && /^## / { exit }
on && /^\| `make/ {
    n = split($0, cell, / \| /)
    name = cell[1]
    sub(/^\| /, "", name)
    text = cell[2]
    for (i = 3; i <= n; i++)
        text = text " | " cell[i]
    sub(/ \|$/, "", text)
    gsub(/`/, "", name)
    gsub(/`/, "", text)
    gsub(/\*\*/, "", text)
    gsub(/\[[^]]*\]\(/, "(", text)
    print name
    line = "   "
    w = split(text, word, / /)
    for (i = 1; i <= w; i++) {
        if (length(line) + length(word[i]) + 1 > 78) {
            print line
            line = "   "
        }
        line = line " " word[i]
    }
    print line
}
