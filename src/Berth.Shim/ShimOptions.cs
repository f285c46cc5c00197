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
    public static ShimOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        bool stdin = false, stdinOnce = false, tty = false, runAtStart = false;
        var startTimeout = 60;
        long logMaxSize = 0;
        var logMaxFiles = 1;
        string? oomKillFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--stdin": stdin = true; break;
                case "--stdin-once": stdinOnce = true; break;
                case "--tty": tty = true; break;
                case "--run-at-start": runAtStart = true; break;
                case "--start-timeout":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], out startTimeout) || startTimeout <= 0)
                        throw new ArgumentException("--start-timeout needs a positive number of seconds");
                    break;
                case "--log-max-size":
                    if (i + 1 >= args.Length || !long.TryParse(args[++i], out logMaxSize) || logMaxSize <= 0)
                        throw new ArgumentException("--log-max-size needs a positive number of bytes");
                    break;
                case "--log-max-files":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], out logMaxFiles) || logMaxFiles < 1)
                        throw new ArgumentException("--log-max-files needs a number of at least 1");
                    break;
                case "--oom-kill-file":
                    if (i + 1 >= args.Length) throw new ArgumentException("--oom-kill-file needs a value");
                    oomKillFile = args[++i];
                    break;
                case "--id" or "--bundle" or "--runtime" or "--runtime-root" or "--socket" or "--log-file" or "--exit-file":
                    if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
                    values[args[i]] = args[++i];
                    break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }
        string Need(string name) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new ArgumentException($"{name} is required");
        return new ShimOptions(Need("--id"), Path.GetFullPath(Need("--bundle")), Need("--runtime"), Path.GetFullPath(Need("--runtime-root")),
            Path.GetFullPath(Need("--socket")), Path.GetFullPath(Need("--log-file")), Path.GetFullPath(Need("--exit-file")), stdin, stdinOnce, tty,
            runAtStart && !tty, startTimeout, logMaxSize, logMaxFiles, oomKillFile);
    }
}
