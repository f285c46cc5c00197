using System.Runtime.InteropServices;

namespace Berth.Core.Interop;

/// <summary>
/// Processes and their stdio: spawning (posix_spawn, so a child gets exactly the fds we choose
/// as 0/1/2 — System.Diagnostics.Process cannot hand over arbitrary fds), reaping, signals,
/// sessions, pipes and raw fd I/O.
/// </summary>
public static unsafe partial class Libc
{
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int P_ALL = 0;
    public const int WNOHANG = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_NOCTTY = 0x100, O_CLOEXEC = 0x80000;
    public const short POLLIN = 1;
    public const int SIGKILL = 9, SIGPIPE = 13;
    public const int CLOCK_REALTIME = 0;
    private const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int Fd; public short Events; public short Revents; }

    [LibraryImport(Name, EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    [LibraryImport(Name, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Name, EntryPoint = "waitid", SetLastError = true)]
    public static partial int Waitid(int idType, int id, void* info, int options);

    [LibraryImport(Name, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int Waitpid(int pid, int* status, int options);

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldFd, int newFd);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Name, EntryPoint = "signal", SetLastError = true)]
    public static partial nint Signal(int signal, nint handler);

    [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGettime(int clock, Timespec* time);

    [LibraryImport(Name, EntryPoint = "posix_spawn")]
    private static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(void* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(void* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_init")]
    private static partial int SpawnAttrInit(void* attr);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_destroy")]
    private static partial int SpawnAttrDestroy(void* attr);

    [LibraryImport(Name, EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport(Name, EntryPoint = "sigfillset")]
    private static partial int SigFillSet(void* set);

    /// <summary>
    /// Spawns <paramref name="path"/> with <paramref name="stdio"/>[i] as its fd i. Every other
    /// fd we own is O_CLOEXEC (.NET opens everything that way), so the child gets only these.
    /// Signal mask and dispositions are reset: .NET ignores SIGPIPE, and an ignored signal would
    /// otherwise be inherited through runc into the container.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, ReadOnlySpan<int> stdio)
    {
        // glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128:
        // over-allocate so a libc with bigger structs still fits.
        var actions = NativeMemory.AllocZeroed(512);
        var attr = NativeMemory.AllocZeroed(1024);
        var sigset = NativeMemory.AllocZeroed(256);
        var strings = new List<nint>(argv.Count + envp.Count + 1);
        try
        {
            var cargv = stackalloc byte*[argv.Count + 1];
            var cenvp = (byte**)NativeMemory.Alloc((nuint)(envp.Count + 1), (nuint)sizeof(byte*));
            strings.Add((nint)cenvp);
            for (var i = 0; i < argv.Count; i++) strings.Add((nint)(cargv[i] = (byte*)Marshal.StringToCoTaskMemUTF8(argv[i])));
            cargv[argv.Count] = null;
            for (var i = 0; i < envp.Count; i++) strings.Add((nint)(cenvp[i] = (byte*)Marshal.StringToCoTaskMemUTF8(envp[i])));
            cenvp[envp.Count] = null;
            var cpath = (byte*)Marshal.StringToCoTaskMemUTF8(path);
            strings.Add((nint)cpath);

            FileActionsInit(actions);
            SpawnAttrInit(attr);
            for (var fd = 0; fd < stdio.Length; fd++) FileActionsAddDup2(actions, stdio[fd], fd);
            SigEmptySet(sigset);
            SpawnAttrSetSigMask(attr, sigset);
            SigFillSet(sigset);
            SpawnAttrSetSigDefault(attr, sigset);
            SpawnAttrSetFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

            int pid;
            var error = PosixSpawn(&pid, cpath, actions, attr, cargv, cenvp);
            FileActionsDestroy(actions);
            SpawnAttrDestroy(attr);
            if (error != 0)
                throw new LinuxException(error, $"posix_spawn {path}: {Marshal.GetPInvokeErrorMessage(error)}");
            return pid;
        }
        finally
        {
            foreach (var p in strings)
                if (p == strings[0]) NativeMemory.Free((void*)p); else Marshal.FreeCoTaskMem(p);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
        }
    }

    /// <summary>Exit code the way a shell reports it: the status, or 128 + the killing signal.</summary>
    public static int ExitCodeFromWaitStatus(int status) =>
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    /// <summary>pipe2 with O_CLOEXEC; returns (read end, write end).</summary>
    public static (int Read, int Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        if (Pipe2(fds, O_CLOEXEC) != 0) ThrowLastError("pipe2");
        return (fds[0], fds[1]);
    }

    /// <summary>read(2), retrying EINTR. Returns 0 at end of file; throws on errors.</summary>
    public static int ReadFd(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Read(fd, p, buffer.Length);
                if (n >= 0) return (int)n;
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) ThrowLastError("read");
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/> (blocking), retrying EINTR and short writes.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Write(fd, p + done, data.Length - done);
                if (n >= 0) { done += (int)n; continue; }
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) ThrowLastError("write");
            }
        }
    }

    /// <summary>True when <paramref name="fd"/> has data (or EOF/hangup) ready right now.</summary>
    public static bool IsReadable(int fd)
    {
        var pfd = new PollFd { Fd = fd, Events = POLLIN };
        return Poll(&pfd, 1, 0) > 0;
    }

    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    /// <summary>Whether <paramref name="fd"/> is an open file descriptor.</summary>
    public static bool IsOpen(int fd)
    {
        var pfd = new PollFd { Fd = fd, Events = 0 };
        return Poll(&pfd, 1, 0) >= 0 && (pfd.Revents & POLLNVAL) == 0;
    }

    /// <summary>
    /// True when the peer of a unix stream socket has closed both directions. A peer that only
    /// shut down its writes gives EOF on reads but no POLLHUP: this tells the two apart.
    /// </summary>
    public static bool IsHungUp(int fd)
    {
        var pfd = new PollFd { Fd = fd, Events = 0 };
        return Poll(&pfd, 1, 0) > 0 && (pfd.Revents & POLLHUP) != 0;
    }

    /// <summary>Wall-clock time with nanoseconds (DateTime stops at 100 ns; docker's logs carry ns).</summary>
    public static Timespec RealTimeNow()
    {
        Timespec ts;
        ClockGettime(CLOCK_REALTIME, &ts);
        return ts;
    }
}
