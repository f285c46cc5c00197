using System.Runtime.InteropServices;

namespace Berth.Core.Interop;

/// <summary>
/// Every Linux call Berth makes goes through this class; one file per area
/// (Interop.Mount.cs, Interop.Process.cs, …), as dotnet/runtime keeps Interop.Sys.
/// </summary>
public static partial class Libc
{
    internal const string Name = "libc";

    /// <summary>Throws an IOException carrying errno's text, naming the failed call and its subject.</summary>
    public static void ThrowLastError(string call, string? subject = null)
    {
        var errno = Marshal.GetLastPInvokeError();
        var text = Marshal.GetPInvokeErrorMessage(errno);
        throw new LinuxException(errno, subject is null ? $"{call}: {text}" : $"{call} {subject}: {text}");
    }
}

/// <summary>A failed system call, with its errno.</summary>
public sealed class LinuxException(int errno, string message) : IOException(message)
{
    public int Errno { get; } = errno;
}

/// <summary>errno values Berth reacts to.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EEXIST = 17;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int EPIPE = 32;
    public const int ENOTDIR = 20;
    public const int ERANGE = 34;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
}
