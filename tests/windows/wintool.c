/* Test scaffolding, not shipped: what tests/windows.rs needs from the Windows side under Wine, where
 * `attrib` and a program that holds a file open are not at hand.
 *
 *   wintool get FILE...                  prints "0xATTRS FILE" per file (GetFileAttributesW), or "missing FILE"
 *   wintool set HEXATTRS FILE            sets the file's attributes (e.g. 0x3: read-only and hidden)
 *   wintool lock READY RELEASE SPEC...   opens each SPEC = none:FILE | read:FILE for reading with that
 *                                        sharing (none: no other program may open it; read: others may
 *                                        read, not write, rename or delete), creates READY, waits until
 *                                        RELEASE exists (at most 120 s), then closes them
 *
 * Build: x86_64-w64-mingw32-gcc -municode -o wintool.exe wintool.c */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static int get(int argc, wchar_t **argv)
{
    for (int i = 2; i < argc; i++) {
        DWORD a = GetFileAttributesW(argv[i]);
        if (a == INVALID_FILE_ATTRIBUTES)
            wprintf(L"missing %ls\n", argv[i]);
        else
            wprintf(L"0x%lx %ls\n", (unsigned long)a, argv[i]);
    }
    return 0;
}

static int set(int argc, wchar_t **argv)
{
    if (argc != 4)
        return 2;
    DWORD a = (DWORD)wcstoul(argv[2], NULL, 16);
    if (!SetFileAttributesW(argv[3], a)) {
        fwprintf(stderr, L"SetFileAttributesW failed: %lu\n", GetLastError());
        return 1;
    }
    return 0;
}

static int lock(int argc, wchar_t **argv)
{
    HANDLE held[16];
    int n = 0;
    for (int i = 4; i < argc && n < 16; i++) {
        DWORD share = 0;
        const wchar_t *file = argv[i];
        if (wcsncmp(file, L"read:", 5) == 0) {
            share = FILE_SHARE_READ;
            file += 5;
        } else if (wcsncmp(file, L"none:", 5) == 0) {
            file += 5;
        } else {
            return 2;
        }
        HANDLE h = CreateFileW(file, GENERIC_READ, share, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            fwprintf(stderr, L"cannot open %ls: %lu\n", file, GetLastError());
            return 1;
        }
        held[n++] = h;
    }
    /* Say so, then hold the files until the test closes our standard input: a handshake, no clock. */
    wprintf(L"ready\n");
    fflush(stdout);
    char buf[64];
    while (fread(buf, 1, sizeof buf, stdin) > 0) {
    }
    for (int i = 0; i < n; i++)
        CloseHandle(held[i]);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    if (argc >= 2 && wcscmp(argv[1], L"get") == 0)
        return get(argc, argv);
    if (argc >= 2 && wcscmp(argv[1], L"set") == 0)
        return set(argc, argv);
    if (argc >= 4 && wcscmp(argv[1], L"lock") == 0)
        return lock(argc, argv);
    fwprintf(stderr, L"usage: wintool get FILE... | set HEXATTRS FILE | lock - - none:FILE|read:FILE... (holds them until stdin closes)\n");
    return 2;
}
