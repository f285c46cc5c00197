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
}
