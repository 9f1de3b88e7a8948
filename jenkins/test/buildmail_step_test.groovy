/* groovylint-disable JavaIoPackageAccess, VariableName, DuplicateMapLiteral, GStringExpressionWithinString */
// (A test script: it reads files, names its constants in capitals, repeats parameter maps, and
// compares the step's shell string, shell variables included.)
// The shared library step (vars/buildmail.groovy) under a mocked pipeline: the steps it calls
// (sh, withEnv, withCredentials, currentBuild, unstable, error, writeFile, readFile,
// recordIssues, junit, echo) are closures that record what they were given. `sh` either runs
// the real shell with the real buildmail binary (against simulators the caller started) or
// returns a chosen exit code.
//
// Run by tests/groovy.rs: groovy buildmail_step_test.groovy <jenkins dir>, in an empty
// workspace, with BUILDMAIL_TEST_BINARY, BUILDMAIL_TEST_SMTP_URL (accepts user ci, password
// right) and BUILDMAIL_TEST_DEFERRING_URL (answers 451 with a one-hour hint). Exits non-zero
// on the first failed check.

import groovy.json.JsonOutput
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

final String HOSTILE_BRANCH = 'feature/$(touch pwned-branch);`touch pwned-tick`\'"'
final String HOSTILE_TITLE = 'Fix "quotes" $(touch pwned-title) `uname`; rm -rf / #'
final File LIBRARY = new File(args[0])
final File WORKSPACE = new File('.').canonicalFile
final String BINARY = System.getenv('BUILDMAIL_TEST_BINARY')

class StepFailed extends RuntimeException {
    StepFailed(String message) { super(message) }
}

class SecretRefused extends SecurityException {
    SecretRefused() { super('Scripts not permitted to use method getRawBuild') }
}

// A build whose internals the sandbox keeps from the library.
class SandboxedBuild {
    String currentResult = 'UNSTABLE'
    Object previousCompletedBuild = null
    Object getRawBuild() { throw new SecretRefused() }
}

// One pipeline run: what the step called, and how `sh` behaves.
class Pipeline {
    File workspace
    Object build
    Closure shell              // (String script, Map env) -> int
    List<String> scripts = []
    List<Map> environments = []
    List<List> credentials = []
    List<String> unstables = []
    List<String> echoes = []
    List<Map> recorded = []
    List<String> envStack = []

    Binding binding() {
        Binding binding = new Binding()
        binding.setVariable('currentBuild', build)
        binding.setVariable('env', [WORKSPACE: workspace.path])
        binding.setVariable('sh', { Map args ->
            scripts << (args.script as String)
            Map env = envStack.collectEntries { String pair ->
                int at = pair.indexOf('=')
                [(pair.substring(0, at)): pair.substring(at + 1)]
            }
            environments << env
            int code = shell(args.script as String, env) as int
            assert args.returnStatus == true
            return code
        })
        binding.setVariable('withEnv', { List<String> pairs, Closure body ->
            envStack.addAll(pairs)
            try {
                return body()
            } finally {
                pairs.each { envStack.remove(envStack.size() - 1) }
            }
        })
        binding.setVariable('usernamePassword', { Map args -> args })
        binding.setVariable('withCredentials', { List bindings, Closure body ->
            credentials << bindings
            List<String> pairs = [
                "${bindings[0].usernameVariable}=ci".toString(),
                "${bindings[0].passwordVariable}=right".toString(),
            ]
            envStack.addAll(pairs)
            try {
                return body()
            } finally {
                pairs.each { envStack.remove(envStack.size() - 1) }
            }
        })
        binding.setVariable('writeFile', { Map args ->
            File file = new File(workspace, args.file as String)
            file.parentFile.mkdirs()
            file.text = args.text
        })
        binding.setVariable('readFile', { String path -> new File(workspace, path).text })
        binding.setVariable('echo', { String text -> echoes << text })
        binding.setVariable('unstable', { String text -> unstables << text })
        binding.setVariable('error', { String text -> throw new StepFailed(text) })
        binding.setVariable('issues', { Map args -> [tool: 'issues'] + args })
        binding.setVariable('recordIssues', { Map args -> recorded << ([step: 'recordIssues'] + args) })
        binding.setVariable('junit', { Map args -> recorded << ([step: 'junit'] + args) })
        return binding
    }

    // Jenkins compiles a library with @NonCPS imported; here it is a plain annotation.
    static final GroovyClassLoader LOADER = new GroovyClassLoader()
    static {
        LOADER.parseClass('''package com.cloudbees.groovy.cps
            @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
            @interface NonCPS {}''')
    }

    Map run(File library, Map parameters) {
        CompilerConfiguration config = new CompilerConfiguration()
        config.addCompilationCustomizers(
            new ImportCustomizer().addImports('com.cloudbees.groovy.cps.NonCPS'))
        Script step = new GroovyShell(LOADER, binding(), config)
            .parse(new File(library, 'vars/buildmail.groovy'))
        return step.invokeMethod('call', parameters) as Map
    }
}

// The real shell, in the workspace, with PATH, a Jenkins agent's variables and the step's.
Closure realShell = { String script, Map env ->
    ProcessBuilder process = new ProcessBuilder('/bin/sh', '-c', script).directory(WORKSPACE)
    process.environment().clear()
    process.environment().put('PATH', System.getenv('PATH'))
    // What a Jenkins agent's `sh` inherits.
    process.environment().putAll([JENKINS_URL: 'https://ci.example.com/', JOB_NAME: 'shop/PR-42',
        BUILD_NUMBER: '812', BUILD_URL: 'https://ci.example.com/job/shop/job/PR-42/812/'])
    process.environment().putAll(env)
    process.redirectErrorStream(true)
    Process running = process.start()
    String output = running.inputStream.text
    int code = running.waitFor()
    println(output.readLines().collect { "    | ${it}" }.join('\n'))
    return code
}

Map failedBuild(Map extra = [:]) {
    Map build = [
        currentResult        : 'FAILURE',
        previousCompletedBuild: [result: 'SUCCESS'],
        rawBuild             : [getLog: { int n -> ['Started by user dev', '\u001b[31merror\u001b[0m: boom'] }],
    ]
    build.putAll(extra)
    return build
}

checks = 0
void check(String name, Closure body) {
    print("${name} ... ")
    body()
    println('ok')
    checks++
}

check('hostile parameters reach the CLI through the environment, never the shell string') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: realShell)
    Map report = pipeline.run(LIBRARY, [
        binary       : BINARY,
        smtpUrl      : System.getenv('BUILDMAIL_TEST_SMTP_URL'),
        from         : 'Jenkins <ci@example.com>',
        to           : ['dev@example.com', 'ops@example.com'],
        branch       : HOSTILE_BRANCH,
        prNumber     : 42,
        prTitle      : HOSTILE_TITLE,
        credentialsId: 'smtp-relay',
        reports      : true,
    ])
    assert report.status == 'delivered': report
    assert report.exit_code == 0
    assert pipeline.scripts.size() == 1
    String script = pipeline.scripts[0]
    assert script == '''set +x
mkdir -p .buildmail
"${BUILDMAIL_STEP_BINARY:-buildmail}" notify --output json > .buildmail/report.json'''
    Map env = pipeline.environments[0]
    assert env.BUILDMAIL_BRANCH == HOSTILE_BRANCH
    assert env.BUILDMAIL_PR_TITLE == HOSTILE_TITLE
    assert env.BUILDMAIL_TO == 'dev@example.com,ops@example.com'
    assert env.BUILDMAIL_STATUS == 'FAILURE'
    assert env.BUILDMAIL_PREVIOUS_STATUS == 'SUCCESS'
    assert env.BUILDMAIL_LOG == '.buildmail/console.log'
    assert env.BUILDMAIL_LOG_LINES == '100'
    assert env.BUILDMAIL_WARNINGS_REPORT == '.buildmail/issues.json'
    assert env.BUILDMAIL_JUNIT_REPORT == '.buildmail/junit.xml'
    assert env.BUILDMAIL_USERNAME == 'ci' && env.BUILDMAIL_SMTP_PASSWORD == 'right'
    assert pipeline.credentials == [[[credentialsId: 'smtp-relay',
        usernameVariable: 'BUILDMAIL_USERNAME', passwordVariable: 'BUILDMAIL_SMTP_PASSWORD']]]
    ['pwned-branch', 'pwned-tick', 'pwned-title'].each { assert !new File(WORKSPACE, it).exists() }
    assert new File(WORKSPACE, '.buildmail/console.log').text.contains('error')
    assert new File(WORKSPACE, '.buildmail/issues.json').text.contains('"issues"')
    assert new File(WORKSPACE, '.buildmail/junit.xml').text.contains('name="ops@example.com"')
    assert pipeline.recorded*.step == ['recordIssues', 'junit']
    assert pipeline.recorded[0].tools[0].pattern == '.buildmail/issues.json'
    assert pipeline.recorded[1].testResults == '.buildmail/junit.xml'
    assert pipeline.recorded[1].skipMarkingBuildUnstable == true
    assert pipeline.unstables.isEmpty()
}

check('a deferred notification makes the build UNSTABLE and says why') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: realShell)
    Map report = pipeline.run(LIBRARY, [
        binary : BINARY,
        smtpUrl: System.getenv('BUILDMAIL_TEST_DEFERRING_URL'),
        from   : 'ci@example.com',
        to     : 'dev@example.com',
    ])
    assert report.status == 'deferred'
    assert report.exit_code == 75
    assert pipeline.unstables.size() == 1
    assert pipeline.unstables[0].startsWith('buildmail: the notification was deferred: ')
    assert pipeline.unstables[0].contains(report.explanation.title as String)
    List<String> console = pipeline.echoes.join('\n').readLines()
    assert console[0] == "buildmail: deferred, Message-ID ${report.message_id}"
    assert console[1].startsWith('buildmail: attempt 1 via 127.0.0.1:')
    assert console[1].endsWith(': 451 4.7.1 Rate limit exceeded, try again in 1 hour (transient, rate_limit)')
    assert console.contains("buildmail: ${report.explanation.title}".toString())
    assert console.contains("buildmail:   - ${report.explanation.fix[0]}".toString())
}

// The reaction to each exit code under each choice, with a shell that only returns the code.
final String KEPT = 'buildmail: the notification was deferred: Greylisted; kept in the outbox as e1'
Map canned = [
    0 : [status: 'delivered'],
    75: [status: 'deferred', explanation: [title: 'Greylisted'], outbox_id: 'e1'],
    69: [status: 'rejected', explanation: [title: 'No such mailbox']],
    78: null,
]
[
    [75, [:], 'unstable', KEPT],
    [75, [onDeferred: 'failure'], 'failure', KEPT],
    [75, [onDeferred: 'ignore'], 'ignore', null],
    [69, [:], 'failure', 'buildmail: the notification failed (exit 69): No such mailbox'],
    [69, [onFailure: 'unstable'], 'unstable', 'buildmail: the notification failed (exit 69): No such mailbox'],
    [78, [onFailure: 'unstable'], 'unstable',
        'buildmail: the notification failed (exit 78): buildmail exited with 78; see the lines above'],
    [78, [onFailure: 'ignore', onDeferred: 'failure'], 'ignore', null],
    [0, [onFailure: 'failure', onDeferred: 'failure'], 'none', null],
].each { int code, Map choice, String expected, String message ->
    check("exit ${code} with ${choice ?: 'the defaults'} -> ${expected}") {
        Closure shell = { String script, Map env ->
            File json = new File(WORKSPACE, '.buildmail/report.json')
            json.parentFile.mkdirs()
            json.text = canned[code] == null ? '' : JsonOutput.toJson(canned[code])
            return code
        }
        Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: shell)
        String failed = null
        Map report = null
        try {
            report = pipeline.run(LIBRARY, [to: 'dev@example.com'] + choice)
        } catch (StepFailed e) {
            failed = e.message
        }
        String seen = failed ? 'failure' : pipeline.unstables ? 'unstable' :
            pipeline.echoes.any { it.contains('(ignored: ') } ? 'ignore' : 'none'
        assert seen == expected: "${seen}: ${pipeline.echoes}"
        if (message) {
            assert (failed ?: pipeline.unstables[0]) == message
        }
        if (report) {
            assert report.exit_code == code
            assert report.status == (canned[code]?.status ?: 'failed')
        }
    }
}

check('an unknown parameter is refused with its name') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: { s, e -> 0 })
    try {
        pipeline.run(LIBRARY, [to: 'dev@example.com', recipientProviders: ['culprits']])
        assert false: 'no error'
    } catch (StepFailed e) {
        assert e.message.startsWith('buildmail: unknown parameter recipientProviders;')
    }
    assert pipeline.scripts.isEmpty()
}

check('a wrong onDeferred is refused before anything runs') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: { s, e -> 0 })
    try {
        pipeline.run(LIBRARY, [onDeferred: 'UNSTABLE!'])
        assert false: 'no error'
    } catch (StepFailed e) {
        assert e.message == "buildmail: onDeferred: 'UNSTABLE!' is not one of unstable, failure, ignore"
    }
    assert pipeline.scripts.isEmpty()
}

check('sandboxed, the mail goes without the console log and the console says so') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: new SandboxedBuild(),
        shell: { s, e -> 0 })
    pipeline.run(LIBRARY, [to: 'dev@example.com'])
    Map env = pipeline.environments[0]
    assert env.BUILDMAIL_STATUS == 'UNSTABLE'
    assert !env.containsKey('BUILDMAIL_PREVIOUS_STATUS'): 'a first build has no previous status'
    assert !env.containsKey('BUILDMAIL_LOG')
    assert pipeline.echoes.any { it.startsWith('buildmail: the console log is left out of the mail') }
}

check('explicit status, lists and booleans reach the CLI as it reads them') {
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: { s, e -> 0 })
    pipeline.run(LIBRARY, [status: 'SUCCESS', previousStatus: 'FAILURE', when: 'fixed',
        attachLog: true, attachments: ['a.xml', 'b/*.log'], log: 'build.log', logLines: 20,
        retryBudget: '15m'])
    Map env = pipeline.environments[0]
    assert env.BUILDMAIL_STATUS == 'SUCCESS'
    assert env.BUILDMAIL_PREVIOUS_STATUS == 'FAILURE'
    assert env.BUILDMAIL_WHEN == 'fixed'
    assert env.BUILDMAIL_ATTACH_LOG == 'true'
    assert env.BUILDMAIL_ATTACH == 'a.xml,b/*.log'
    assert env.BUILDMAIL_LOG == 'build.log': 'a log of the user is not replaced by the console'
    assert env.BUILDMAIL_LOG_LINES == '20'
    assert env.BUILDMAIL_RETRY_BUDGET == '15m'
    assert !env.containsKey('BUILDMAIL_WARNINGS_REPORT'): 'reports are off by default'
}

check('a dry run shows the message and changes nothing') {
    Closure shell = { String script, Map env ->
        new File(WORKSPACE, '.buildmail/report.json').text = 'Subject: [shop] main #812 failed\r\n'
        return 0
    }
    Pipeline pipeline = new Pipeline(workspace: WORKSPACE, build: failedBuild(), shell: shell)
    Map report = pipeline.run(LIBRARY, [to: 'dev@example.com', dryRun: true, reports: true])
    assert report == [status: 'dry_run', exit_code: 0]
    assert pipeline.environments[0].BUILDMAIL_DRY_RUN == 'true'
    assert pipeline.echoes.any { it.startsWith('Subject: [shop] main #812 failed') }
    assert pipeline.unstables.isEmpty() && pipeline.recorded.isEmpty()
}

println("${checks} checks passed")
