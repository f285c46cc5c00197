using Berth.Core.Errors;
using Berth.Engine.Images;
using Xunit;

namespace Berth.Engine.Tests.Images;

public sealed class ChangesTests
{
    [Fact]
    public void NoChangesLeavesDockersNulls()
    {
        var config = Changes.Apply(null, []);
        Assert.Null(config.Env);
        Assert.Null(config.Cmd);
        Assert.Null(config.Entrypoint);
        Assert.Equal("", config.WorkingDir);
    }

    [Fact]
    public void CmdAndEntrypointJsonAndShellForms()
    {
        var json = Changes.Apply(null, ["CMD [\"/bin/echo\", \"hi there\"]"]);
        Assert.Equal(["/bin/echo", "hi there"], json.Cmd!);

        var shell = Changes.Apply(null, ["cmd echo $HOME && ls"]);
        Assert.Equal(["/bin/sh", "-c", "echo $HOME && ls"], shell.Cmd!);

        var entry = Changes.Apply(null, ["ENTRYPOINT top -b"]);
        Assert.Equal(["/bin/sh", "-c", "top -b"], entry.Entrypoint!);

        // Not valid JSON: shell form, kept verbatim.
        var broken = Changes.Apply(null, ["CMD [not json"]);
        Assert.Equal(["/bin/sh", "-c", "[not json"], broken.Cmd!);
    }

    [Fact]
    public void EntrypointDropsInheritedCmdButKeepsOneSetHere()
    {
        var baseConfig = new ContainerConfig { Cmd = ["sh"] };
        Assert.Null(Changes.Apply(baseConfig, ["ENTRYPOINT [\"/init\"]"]).Cmd);
        Assert.Equal(["x"], Changes.Apply(baseConfig, ["CMD [\"x\"]", "ENTRYPOINT [\"/init\"]"]).Cmd!);
    }

    [Fact]
    public void EnvForms()
    {
        var config = Changes.Apply(null, ["ENV A=1 B=\"two words\" C=${A}x", "ENV LEGACY some value here", "ENV A=3", "ENV D=$MISSING.e"]);
        Assert.Equal(["A=3", "B=two words", "C=1x", "LEGACY=some value here", "D=.e"], config.Env!);
        Assert.Equal("ENV must have two arguments",
            Assert.Throws<InvalidParameterException>(() => Changes.Apply(null, ["ENV ONLYKEY"])).Message);
    }

    [Fact]
    public void LabelsPortsUserWorkdirVolumesSignalOnbuild()
    {
        var config = Changes.Apply(null,
        [
            "LABEL a=b \"c d\"=e",
            "EXPOSE 80 53/udp 8000-8002",
            "USER app:app",
            "WORKDIR /srv",
            "WORKDIR data/../www",
            "VOLUME [\"/data\", \"/logs\"]",
            "VOLUME /cache /tmp/x",
            "STOPSIGNAL SIGTERM",
            "ONBUILD RUN make",
        ]);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "b", ["c d"] = "e" }, config.Labels);
        Assert.Equal(["53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"], config.ExposedPorts!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("app:app", config.User);
        Assert.Equal("/srv/www", config.WorkingDir);
        Assert.Equal(["/cache", "/data", "/logs", "/tmp/x"], config.Volumes!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("SIGTERM", config.StopSignal);
        Assert.Equal(["RUN make"], config.OnBuild!);
    }

    [Fact]
    public void Healthcheck()
    {
        var config = Changes.Apply(null, ["HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/"]);
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], config.Healthcheck!.Test!);
        Assert.Equal(30_000_000_000, config.Healthcheck.Interval);
        Assert.Equal(3, config.Healthcheck.Retries);
        Assert.Equal(["NONE"], Changes.Apply(null, ["HEALTHCHECK NONE"]).Healthcheck!.Test!);
        Assert.Equal(["CMD", "true"], Changes.Apply(null, ["HEALTHCHECK --timeout=1m30s CMD [\"true\"]"]).Healthcheck!.Test!);
    }

    [Theory]
    [InlineData("RUN echo hi", "run is not a valid change command")]
    [InlineData("FROM busybox", "from is not a valid change command")]
    [InlineData("COPY a b", "copy is not a valid change command")]
    [InlineData("BOGUS x", "bogus is not a valid change command")]
    [InlineData("USER a b", "USER requires exactly one argument")]
    [InlineData("EXPOSE", "EXPOSE requires at least one argument")]
    [InlineData("EXPOSE 99999", "invalid containerPort: 99999")]
    [InlineData("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    [InlineData("STOPSIGNAL ???", "Invalid signal: ???")]
    public void InvalidChangesAreRejectedWithDockersText(string change, string message)
    {
        var ex = Assert.Throws<InvalidParameterException>(() => Changes.Apply(null, [change]));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void BaseConfigIsNotModified()
    {
        var baseConfig = new ContainerConfig { Env = ["A=1"] };
        var changed = Changes.Apply(baseConfig, ["ENV B=2"]);
        Assert.Equal(["A=1"], baseConfig.Env);
        Assert.Equal(["A=1", "B=2"], changed.Env!);
    }
}
