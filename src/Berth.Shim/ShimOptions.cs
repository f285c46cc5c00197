using Berth.Core.CommandLine;

namespace Berth.Shim;

/// <summary>Command line: berth-shim --id ID --bundle DIR --runtime PATH --runtime-root DIR --socket PATH --log-file PATH --exit-file PATH [--stdin] [--stdin-once] [--tty] [--run-at-start].</summary>
/// <remarks>
/// --run-at-start (no TTY): nothing is created at launch; start runs `runtime run --detach`, one
/// runtime process instead of create + start. --start-timeout SECONDS (default 60): a container
/// not started by then is deleted and the shim exits (berthd starts it right after the launch;
/// only a berthd that died in between leaves it waiting). --log-max-size BYTES and
/// --log-max-files N: json-file's max-size and max-file. --oom-kill-file PATH: the cgroup file
/// whose "oom_kill" count tells whether the OOM killer struck.
/// </remarks>
internal sealed record ShimOptions(
    string Id, string Bundle, string Runtime, string RuntimeRoot, string Socket,
    string LogFile, string ExitFile, bool Stdin, bool StdinOnce, bool Tty, bool RunAtStart = false, int StartTimeoutSeconds = 60,
    long LogMaxSize = 0, int LogMaxFiles = 1, string? OomKillFile = null)
{
    /// <summary>Parses berthd's arguments (pflag syntax, see <see cref="FlagSet"/>); <see cref="ArgumentException"/> names the problem.</summary>
    public static ShimOptions Parse(string[] args)
    {
        var flags = new FlagSet()
            .String("id", null, "").String("bundle", null, "").String("runtime", null, "").String("runtime-root", null, "")
            .String("socket", null, "").String("log-file", null, "").String("exit-file", null, "")
            .Bool("stdin", null, "").Bool("stdin-once", null, "").Bool("tty", null, "").Bool("run-at-start", null, "")
            .String("start-timeout", null, "", "60").String("log-max-size", null, "", "0").String("log-max-files", null, "", "1")
            .String("oom-kill-file", null, "");
        try
        {
            flags.Parse(args);
        }
        catch (UsageException e)
        {
            throw new ArgumentException(e.Message, e);
        }
        if (flags.Positionals is [var extra, ..]) throw new ArgumentException($"unknown argument {extra}");
        if (!int.TryParse(flags.GetString("start-timeout"), out var startTimeout) || startTimeout <= 0)
            throw new ArgumentException("--start-timeout needs a positive number of seconds");
        var logMaxSize = 0L;
        if (flags.Changed("log-max-size") && (!long.TryParse(flags.GetString("log-max-size"), out logMaxSize) || logMaxSize <= 0))
            throw new ArgumentException("--log-max-size needs a positive number of bytes");
        if (!int.TryParse(flags.GetString("log-max-files"), out var logMaxFiles) || logMaxFiles < 1)
            throw new ArgumentException("--log-max-files needs a number of at least 1");
        string Need(string name) => flags.GetString(name) is { Length: > 0 } v ? v : throw new ArgumentException($"--{name} is required");
        var tty = flags.GetBool("tty");
        return new ShimOptions(Need("id"), Path.GetFullPath(Need("bundle")), Need("runtime"), Path.GetFullPath(Need("runtime-root")),
            Path.GetFullPath(Need("socket")), Path.GetFullPath(Need("log-file")), Path.GetFullPath(Need("exit-file")),
            flags.GetBool("stdin"), flags.GetBool("stdin-once"), tty, flags.GetBool("run-at-start") && !tty,
            startTimeout, logMaxSize, logMaxFiles, flags.GetString("oom-kill-file"));
    }
}
