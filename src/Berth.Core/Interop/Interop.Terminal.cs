using System.Runtime.InteropServices;

namespace Berth.Core.Interop;

/// <summary>
/// Pseudo-terminals: window size on a pty master, and receiving the master itself from an OCI
/// runtime over its --console-socket (the runtime creates the pty inside the container and
/// passes the master fd with SCM_RIGHTS).
/// </summary>
public static unsafe partial class Libc
{
    private const nuint TIOCSWINSZ = 0x5414;
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize { public ushort Rows, Columns, XPixels, YPixels; }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public void* Base; public nuint Length; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public uint NameLength;
        public IoVec* Iov; public nuint IovLength;
        public void* Control; public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr { public nuint Length; public int Level; public int Type; }

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Name, EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);

    /// <summary>Sets a terminal's window size (TIOCSWINSZ); the foreground process gets SIGWINCH.</summary>
    public static void SetWindowSize(int ptyMaster, int rows, int columns)
    {
        var ws = new WinSize { Rows = (ushort)rows, Columns = (ushort)columns };
        if (Ioctl(ptyMaster, TIOCSWINSZ, &ws) != 0) ThrowLastError("ioctl(TIOCSWINSZ)");
    }

    /// <summary>
    /// Receives one fd sent with SCM_RIGHTS on a connected unix socket (blocking); the fd
    /// arrives O_CLOEXEC. Throws when the message carries none.
    /// </summary>
    public static int ReceiveFd(int socket)
    {
        // runc sends the pty's path as the payload; we only need the fd, but must take the bytes.
        var payload = stackalloc byte[4096];
        var control = stackalloc byte[64];
        var iov = new IoVec { Base = payload, Length = 4096 };
        var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
        nint n;
        do n = RecvMsg(socket, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        if (n < 0) ThrowLastError("recvmsg");
        var cmsg = (CmsgHdr*)control;
        if (msg.ControlLength < (nuint)sizeof(CmsgHdr) || cmsg->Level != SOL_SOCKET || cmsg->Type != SCM_RIGHTS)
            throw new IOException("console socket: message carried no file descriptor");
        return *(int*)(control + sizeof(CmsgHdr));
    }

    private const nuint TIOCGWINSZ = 0x5413;
    private const int TCSANOW = 0;

    /// <summary>The terminal's size (TIOCGWINSZ), or null when <paramref name="fd"/> is not a terminal.</summary>
    public static (int Rows, int Columns)? GetWindowSize(int fd)
    {
        WinSize ws;
        return Ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.Rows > 0 ? (ws.Rows, ws.Columns) : null;
    }

    /// <summary>struct termios as glibc lays it out on Linux (60 bytes; kept opaque).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct Termios { }

    [LibraryImport(Name, EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, Termios* termios);

    [LibraryImport(Name, EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int action, Termios* termios);

    [LibraryImport(Name, EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(Termios* termios);

    /// <summary>
    /// Puts a terminal in raw mode (no echo, no line editing, no signals from keys: they go to
    /// the container's terminal instead) and returns the previous settings, or null when
    /// <paramref name="fd"/> is not a terminal.
    /// </summary>
    public static Termios? MakeRaw(int fd)
    {
        Termios saved;
        if (TcGetAttr(fd, &saved) != 0) return null;
        var raw = saved;
        CfMakeRaw(&raw);
        if (TcSetAttr(fd, TCSANOW, &raw) != 0) ThrowLastError("tcsetattr");
        return saved;
    }

    /// <summary>ECHO in c_lflag, the fourth 32-bit field of Linux's struct termios.</summary>
    private const uint EchoFlag = 0x8;

    /// <summary>
    /// Stops a terminal echoing what is typed (for password prompts; lines are still edited and
    /// ^C still interrupts) and returns the previous settings, or null when <paramref name="fd"/>
    /// is not a terminal.
    /// </summary>
    public static Termios? DisableEcho(int fd)
    {
        Termios saved;
        if (TcGetAttr(fd, &saved) != 0) return null;
        var quiet = saved;
        ((uint*)&quiet)[3] &= ~EchoFlag;
        if (TcSetAttr(fd, TCSANOW, &quiet) != 0) ThrowLastError("tcsetattr");
        return saved;
    }

    /// <summary>Restores settings returned by <see cref="MakeRaw"/> or <see cref="DisableEcho"/>.</summary>
    public static void Restore(int fd, Termios saved) => TcSetAttr(fd, TCSANOW, &saved);
}
