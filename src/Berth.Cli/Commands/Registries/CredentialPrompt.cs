using System.Text;
using Microsoft.Win32.SafeHandles;
using Berth.Cli.App;
using Berth.Core.Interop;

namespace Berth.Cli.Commands.Registries;

/// <summary>docker's prompt.ReadInput: asks on stdout, reads one line from stdin, optionally without echo.</summary>
internal static class CredentialPrompt
{
    private const int StdinFd = 0;

    public static string ReadLine(CommandContext ctx, string prompt, bool echo)
    {
        ctx.Out.Write(prompt);
        var saved = echo ? null : Libc.DisableEcho(StdinFd);
        try
        {
            // fd 0 itself, not .NET's console stream: that one sets its own terminal modes for
            // each read (echo back on). Byte by byte, so nothing after the line is taken.
            using var stdin = new FileStream(new SafeFileHandle(StdinFd, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            var line = new List<byte>();
            var one = new byte[1];
            while (stdin.Read(one, 0, 1) == 1 && one[0] != '\n')
            {
                line.Add(one[0]);
            }
            return Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r');
        }
        finally
        {
            if (saved is { } s) Libc.Restore(StdinFd, s);
        }
    }
}
