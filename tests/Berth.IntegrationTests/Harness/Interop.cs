using System.Runtime.InteropServices;

namespace Berth.IntegrationTests.Harness;

internal static partial class Interop
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
