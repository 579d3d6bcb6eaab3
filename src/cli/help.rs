//! The long help of each subcommand (`--help`): what it does, examples, exit status. Text only; the
//! man page and the README say the same, generated from or checked against these.

pub const ABOUT: &str =
    "Migrate IIS web.config files from PhoneFactor Agent to Azure MFA Server, losslessly and by rules";

pub const LONG_ABOUT: &str = "\
Migrate IIS web.config files from PhoneFactor Agent to Azure MFA Server, losslessly and by rules.

wcmigrate reads the admin's old web.config (OLD) and the fresh install's (NEW), and produces NEW with
OLD's customizations in it: NEW's text with splices, so every byte no rule changes stays as it was.
With the old version's pristine web.config (BASE) it is a 3-way merge of the whole file.";

pub const MAIN_AFTER: &str = "\
Examples:
  wcmigrate merge old.config new.config                 # dry run: the diff, and what needs your eyes
  wcmigrate merge old.config new.config --in-place      # rewrite new.config, keep new.config.bak
  wcmigrate batch corpus/ --out merged/                 # many servers at once
  wcmigrate rules --dump > my-rules.toml                # the built-in rules, to copy and edit

Exit status: 0 done (warnings allowed); 1 --check found pending changes, or batch --deny-warnings
found warnings; 2 trouble (bad arguments, an unusable input, a failed write): nothing was written.
Every diagnostic has a stable code (E0xx errors, W2xx warnings, N3xx notes): `wcmigrate rules`.";

pub const MERGE_ABOUT: &str =
    "Merge OLD (the backup of the old web.config) into NEW (the fresh install) and print the diff";

pub const MERGE_AFTER: &str = "\
Output: the unified diff NEW -> merged on standard output (git-style headers; secrets as *** unless
--show-secrets), diagnostics and a one-line summary on standard error. -q keeps errors and warnings
only; -v also lists every change. --format json prints one report object instead (docs/JSON.md).

Examples:
  wcmigrate merge old.config new.config                       # dry run
  wcmigrate merge old.config new.config -o merged.config      # write a new file
  wcmigrate merge old.config new.config --in-place            # rewrite NEW, keep NEW.bak
  wcmigrate merge old.config new.config --check               # CI: exit 1 if NEW needs migrating
  wcmigrate merge old.config new.config --base pristine.config --prefer old   # 3-way
  ssh server type web.config | wcmigrate merge - new.config -o merged.config  # OLD from stdin
  wcmigrate merge old.config new.config -o - --diff changes.diff > merged.config
  wcmigrate merge old.config new.config --sdk-vdir PhoneFactorWebServiceSdk     # kept vdir

Exit status (as diff and rustfmt --check):
  0  done: the diff shown, or the merged file written (warnings allowed)
  1  --check: NEW is not migrated yet (the merge would change it)
  2  trouble: bad arguments (E040), an unreadable, malformed or encrypted input, swapped inputs under
     --check (E041), or a failed write (a full disk, also behind standard output: E007); nothing was
     written. A reader that stops reading (`| head`) is no error.";

pub const BATCH_ABOUT: &str =
    "Migrate every case under DIR (folders holding old.config and new.config), or listed in a \
JSON manifest, in parallel; print a summary or a JSON report";

pub const BATCH_AFTER: &str = "\
A case is a folder holding old.config and new.config, with an optional base.config (3-way) and an
optional args file (one line: --sdk-vdir/--portal-vdir/--mobile-vdir NAME, --prefer old|new; a UTF-8
byte-order mark, as Notepad writes, is fine). A manifest is a JSON list of
{\"name\", \"old\", \"new\", \"base\"?, \"args\"?} with paths relative to it.

Output: a progress bar (on a terminal), then a summary table and the failed and warned cases on
standard error; nothing on standard output. -q prints only the failed and warned cases; -v one line
per case as it finishes. --format json streams NDJSON on standard output: one {\"type\": \"case\"}
object per case, then one {\"type\": \"summary\"} (docs/JSON.md); --report FILE writes the same.

With --out, each case's files are staged in OUTDIR/.wcmigrate-staging-*/ as the case finishes, and
put in place together after the last case: flushed to disk once, renamed into place, flushed again.
Whenever the batch or the machine stops, each output is complete (this run's or the earlier one) or
absent; a rerun removes a killed run's staging folder and writes everything. The summary line, the
--report file and exit 0 come only once every output is in place on disk.

Examples:
  wcmigrate batch corpus/                           # dry run over every case
  wcmigrate batch corpus/ --out merged/             # write merged/<case>/merged.config and .diff
  wcmigrate batch cases.json --out merged/ --jobs 4
  wcmigrate batch corpus/ --format json | jq -c 'select(.type == \"case\" and .status == \"failed\")'

Exit status:
  0  every case ran (warnings allowed)
  1  --deny-warnings, and some case has warnings or conflicts
  2  a case failed, or DIR, the manifest, the rules or the arguments are unusable";

pub const RULES_ABOUT: &str =
    "List the rules and diagnostic codes, or print the built-in rules file";

pub const RULES_AFTER: &str = "\
Examples:
  wcmigrate rules                              # every rule and diagnostic code, in short
  wcmigrate rules --rules my-rules.toml        # the rules of a file of your own
  wcmigrate rules --dump > my-rules.toml       # the built-in rules file, to copy and edit
  wcmigrate merge old.config new.config --rules my-rules.toml

docs/CODES.md explains each code. Exit status: 0, or 2 for a rules file that cannot be used.";

pub const DRIVER_ABOUT: &str =
    "Git merge driver: 3-way merge of a web.config by element identity, never conflict markers";

pub const DRIVER_LONG_ABOUT: &str = "\
Git merge driver: 3-way merge of a web.config by element identity, never conflict markers.

git calls it with %O %A %B %P: the common ancestor (BASE), ours (OLD), theirs (NEW) and the file's
path. Every change ours made to the ancestor is carried into theirs' text, matched by element
identity (key, name, path, ... as .NET keys its collections), so reordered elements and attributes,
reindented lines and changes to different attributes of one element merge cleanly where git's line
merge conflicts. The result is written to %A. Where both branches changed the same thing differently,
theirs' side is kept (--prefer old keeps ours), the conflict is reported on stderr, and the exit code
tells git the file is conflicted: no <<<<<<< markers ever land inside the XML.";

pub const DRIVER_AFTER: &str = "\
Examples: set it up once per repository (or with --global),
  git config merge.wcmigrate.name \"wcmigrate: web.config by element identity\"
  git config merge.wcmigrate.driver \"wcmigrate merge-driver %O %A %B %P\"
and name the files it merges in .gitattributes:
  web.config      merge=wcmigrate
  Web.*.config    merge=wcmigrate

Exit status (git's merge driver protocol):
  0  merged cleanly; the result is in %A
  1  conflicts: %A holds the merge with theirs' side where both changed (no markers), the conflicts
     are on stderr; git marks the file conflicted for you to check and `git add`
  2  an input could not be read or parsed: %A is left as ours; git marks the file conflicted";

pub const COMPLETIONS_ABOUT: &str = "Print shell completions (bash, zsh, fish, PowerShell, elvish)";

pub const COMPLETIONS_AFTER: &str = "\
Examples:
  wcmigrate completions bash > /etc/bash_completion.d/wcmigrate
  wcmigrate completions zsh > \"${fpath[1]}/_wcmigrate\"
  wcmigrate completions fish > ~/.config/fish/completions/wcmigrate.fish
  wcmigrate completions powershell >> $PROFILE      # PowerShell, on the Windows server

Generated from the same definition as the arguments, so they always match this binary.
Exit status: 0, or 2 when standard output cannot be written.";

pub const MANPAGE_ABOUT: &str =
    "Print the man page (roff), or write one per subcommand into a folder";

pub const MANPAGE_AFTER: &str = "\
Examples:
  wcmigrate manpage | man -l -                       # read it now
  wcmigrate manpage > /usr/local/share/man/man1/wcmigrate.1
  wcmigrate manpage --dir /usr/local/share/man/man1  # wcmigrate.1, wcmigrate-merge.1, ...

Generated from the same definition as --help. Exit status: 0, or 2 when the output cannot be written.";
