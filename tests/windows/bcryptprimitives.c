/* Test scaffolding, not shipped: Rust's std on Windows imports ProcessPrng from bcryptprimitives.dll
 * (Windows 10 and later). Wine 8 lacks it, so the Windows binary cannot start under Wine in CI. This
 * DLL, built with the same mingw compiler and placed beside the .exe, exports ProcessPrng on top of
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. Real Windows never loads it.
 * Build: x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
