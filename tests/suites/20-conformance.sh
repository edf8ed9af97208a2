# RFC 9669 conformance suite (../shared, beside the project), vm engine, ASan+UBSan
if [ ! -d ../shared/conformance ]; then
	echo "skip conformance: ../shared/conformance is absent (not in a user's clone)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
exec build/asan/hxdp conformance ../shared/conformance --engine vm
